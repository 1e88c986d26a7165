package io.twostep.keycloak.support;

import org.keycloak.testframework.ui.page.AbstractLoginPage;
import org.keycloak.testframework.ui.webdriver.ManagedWebDriver;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.util.List;

/**
 * Page objects of Keycloak's own recovery-code pages: the set-up ({@code login-recovery-authn-code-config}: the
 * codes, "I have saved these codes", Save) and the input at login ({@code login-recovery-authn-code-input}).
 */
public class RecoveryCodesPage extends AbstractLoginPage {

    /** Page id of the set-up page. */
    public static final String SET_UP = "login-login-recovery-authn-code-config";
    /** Page id of the input page at login. */
    public static final String INPUT = "login-login-recovery-authn-code-input";

    public RecoveryCodesPage(ManagedWebDriver driver) {
        super(driver);
    }

    @Override
    public String getExpectedPageId() {
        return SET_UP;
    }

    /** @return whether the set-up page is shown */
    public boolean isCurrent() {
        return SET_UP.equals(driver.page().getCurrentPageId());
    }

    /**
     * @return the codes shown, in order, without the dashes the page adds ({@code XXXX-XXXX-XXXX}); each is recorded
     *         as a secret the server log must never hold
     */
    public List<String> codes() {
        List<String> codes = driver.driver().findElements(By.cssSelector("#kc-recovery-codes-list li")).stream()
                .map(WebElement::getText).map(c -> c.replace("-", "").trim()).toList();
        codes.forEach(IssuedSecrets::text);
        return codes;
    }

    /** Ticks "I have saved these codes" and saves them; returns the codes that were shown. */
    public List<String> save() {
        List<String> codes = codes();
        WebElement confirm = driver.findElement(By.id("kcRecoveryCodesConfirmationCheck"));
        if (!confirm.isSelected()) {
            confirm.click();
        }
        driver.findElement(By.id("saveRecoveryAuthnCodesBtn")).click();
        return codes;
    }

    /** On the login's input page: enters a code and signs in. */
    public void enter(String code) {
        WebElement input = driver.findElement(By.id("recoveryCodeInput"));
        input.clear();
        input.sendKeys(code);
        driver.findElement(By.cssSelector("#kc-recovery-code-login-form [type=submit]")).click();
    }

    /** @return the number of the code the input page asks for ("Recovery code #3") */
    public String prompt() {
        return driver.findElement(By.cssSelector("label[for=recoveryCodeInput]")).getText();
    }
}
