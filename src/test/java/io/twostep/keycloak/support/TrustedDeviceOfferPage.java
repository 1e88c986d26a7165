package io.twostep.keycloak.support;

import org.keycloak.testframework.ui.page.AbstractLoginPage;
import org.keycloak.testframework.ui.webdriver.ManagedWebDriver;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** Page object of {@code trusted-device-offer.ftl}: "Remember this device?" after the second step. */
public class TrustedDeviceOfferPage extends AbstractLoginPage {

    public TrustedDeviceOfferPage(ManagedWebDriver driver) {
        super(driver);
    }

    @Override
    public String getExpectedPageId() {
        return "login-trusted-device-offer";
    }

    public boolean isCurrent() {
        return getExpectedPageId().equals(driver.page().getCurrentPageId());
    }

    public WebElement box() {
        return driver.findElement(By.id("rememberDevice"));
    }

    public String label() {
        return driver.findElement(By.cssSelector("label[for=rememberDevice]")).getText();
    }

    public String warning() {
        return driver.findElement(By.id("trusted-device-warning")).getText();
    }

    /**
     * Sets the box to {@code remember} and continues. The box must come unticked: remembering is the user's choice.
     *
     * @throws AssertionError when the page offered the box already ticked
     */
    public void answer(boolean remember) {
        if (box().isSelected()) {
            throw new AssertionError("'Remember this device' was ticked by default");
        }
        if (remember) {
            box().click();
        }
        driver.findElement(By.id("trusted-device-continue")).click();
    }
}
