package io.twostep.keycloak.support;

import org.keycloak.testframework.ui.page.AbstractLoginPage;
import org.keycloak.testframework.ui.webdriver.ManagedWebDriver;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;

import java.util.Optional;

/** Page object of {@code sms-otp-form.ftl}: the code entry shown at login and during enrolment. */
public class SmsCodePage extends AbstractLoginPage {

    public SmsCodePage(ManagedWebDriver driver) {
        super(driver);
    }

    @Override
    public String getExpectedPageId() {
        return "login-sms-otp-form";
    }

    public boolean isCurrent() {
        return getExpectedPageId().equals(driver.page().getCurrentPageId());
    }

    public void enterCode(String code) {
        WebElement input = driver.findElement(By.id("code"));
        input.clear();
        input.sendKeys(code);
        driver.findElement(By.id("kc-login")).click();
    }

    public String sentToText() {
        return driver.findElement(By.id("two-step-sent-to")).getText();
    }

    public WebElement codeInput() {
        return driver.findElement(By.id("code"));
    }

    public WebElement resendButton() {
        return driver.findElement(By.id("two-step-resend"));
    }

    /** Clicks "Resend code" as the browser would; a disabled button is submitted anyway, as a crafted POST would. */
    public void forceResend() {
        ((JavascriptExecutor) driver.driver()).executeScript(
                "var b = document.getElementById('two-step-resend'); b.disabled = false; b.click();");
    }

    public void useDifferentNumber() {
        driver.findElement(By.id("two-step-change-number")).click();
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
        return driver.driver().findElements(By.id("input-error-code")).stream().findFirst().map(WebElement::getText);
    }
}
