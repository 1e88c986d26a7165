package io.twostep.keycloak.support;

import org.keycloak.testframework.ui.page.AbstractLoginPage;
import org.keycloak.testframework.ui.webdriver.ManagedWebDriver;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.util.Optional;

/** Page object of {@code configure-sms-otp.ftl}: the mobile-number entry of the enrolment. */
public class PhoneEnrolmentPage extends AbstractLoginPage {

    public PhoneEnrolmentPage(ManagedWebDriver driver) {
        super(driver);
    }

    @Override
    public String getExpectedPageId() {
        return "login-configure-sms-otp";
    }

    public boolean isCurrent() {
        return getExpectedPageId().equals(driver.page().getCurrentPageId());
    }

    public void submitNumber(String number) {
        IssuedSecrets.number(number); // typed numbers too, refused ones included, are looked for in the log
        WebElement input = driver.findElement(By.id("phoneNumber"));
        input.clear();
        input.sendKeys(number);
        driver.findElement(By.id("two-step-send-code")).click();
    }

    public String prefilledNumber() {
        return driver.findElement(By.id("phoneNumber")).getAttribute("value");
    }

    public String appAdvice() {
        return driver.findElement(By.id("two-step-app-advice")).getText();
    }

    public void useAuthenticatorApp() {
        driver.findElement(By.id("two-step-use-app")).click();
    }

    /** @return the page's error alert text, if any */
    public Optional<String> errorMessage() {
        return alert("pf-m-danger");
    }

    /** @return the page's info alert text, if any */
    public Optional<String> infoMessage() {
        return alert("pf-m-info");
    }

    private Optional<String> alert(String kind) {
        return driver.driver().findElements(By.cssSelector("div." + kind + " .kc-feedback-text")).stream()
                .findFirst().map(WebElement::getText);
    }

    public Optional<String> fieldError() {
        return driver.driver().findElements(By.id("input-error-phoneNumber")).stream().findFirst()
                .map(WebElement::getText);
    }
}
