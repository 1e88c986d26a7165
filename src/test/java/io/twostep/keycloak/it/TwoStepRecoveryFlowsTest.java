package io.twostep.keycloak.it;

import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.mail.MailServer;
import org.keycloak.testframework.mail.annotations.InjectMailServer;
import org.openqa.selenium.By;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Forgot password" and self-registration log users in too: the demo realm's {@code reset credentials two-step}
 * flow asks for the second step after the e-mail link and before the new password, and its
 * {@code registration two-step} flow enrols a new user while the policy is on.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class TwoStepRecoveryFlowsTest extends AbstractJourneyTest {

    private static final Pattern LINK = Pattern.compile("(https?://\\S+/login-actions/action-token\\?\\S+)");

    @InjectMailServer
    MailServer mail;

    private void allowRecovery() {
        realm.updateWithCleanup(r -> r.resetPasswordAllowed(true).registrationAllowed(true));
    }

    /** Asks for the reset e-mail for a user on the "Forgot password" page and returns its link. */
    private String requestResetLink(String username) throws Exception {
        int before = mail.getReceivedMessages().length;
        oauth.openLoginForm();
        loginPage.resetPassword();
        driver.findElement(By.id("username")).sendKeys(username);
        driver.findElement(By.cssSelector("[type=submit]")).click();
        assertTrue(mail.waitForIncomingEmail(10_000, before + 1), "the reset e-mail arrives");
        MimeMessage message = mail.getLastReceivedMessage();
        Object content = message.getContent();
        String text = content instanceof jakarta.mail.Multipart multipart
                ? String.valueOf(multipart.getBodyPart(0).getContent()) : String.valueOf(content);
        Matcher link = LINK.matcher(text);
        assertTrue(link.find(), text);
        return link.group(1).replace("&amp;", "&");
    }

    @Test
    void forgotPasswordAsksForTheSecondStepBeforeTheNewPassword() throws Exception {
        allowRecovery();
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "recover-sms", number);

        driver.open(requestResetLink("recover-sms"));

        codePage.assertCurrent(); // the e-mail alone does not set a new password
        codePage.enterCode(vonage.last(number).code());
        assertEquals("login-login-update-password", driver.page().getCurrentPageId());
        driver.findElement(By.id("password-new")).sendKeys("another passphrase 2026");
        driver.findElement(By.id("password-confirm")).sendKeys("another passphrase 2026");
        driver.findElement(By.cssSelector("[type=submit]")).click();
        assertLoggedIn();
    }

    /**
     * S14 with Keycloak's own reset flow (no second step): the session it logs in has the password only, so it
     * cannot bind another number even when a set-up action waits on the user.
     */
    @Test
    void aSessionFromKeycloaksOwnResetFlowCannotChangeTheNumber() throws Exception {
        allowRecovery();
        realm.updateWithCleanup(r -> r.update(rep -> rep.setResetCredentialsFlow("reset credentials")));
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "recover-plain", number);
        var user = realm.admin().users().get(TestUsers.id(realm.admin(), "recover-plain"));
        var rep = user.toRepresentation();
        rep.setRequiredActions(java.util.List.of("configure-sms-otp"));
        user.update(rep);

        driver.open(requestResetLink("recover-plain"));
        driver.findElement(By.id("password-new")).sendKeys("another passphrase 2026");
        driver.findElement(By.id("password-confirm")).sendKeys("another passphrase 2026");
        driver.findElement(By.cssSelector("[type=submit]")).click();

        assertTrue(driver.findElement(By.cssSelector("body")).getText()
                .contains("first confirm it is you with your current second step"), driver.getCurrentUrl());
        assertTrue(driver.driver().findElements(By.id("phoneNumber")).isEmpty(), "no number can be entered");
        assertEquals("two_step_second_step_needed", realm.admin().getEvents(java.util.List.of(
                "CUSTOM_REQUIRED_ACTION_ERROR"), null, user.toRepresentation().getId(), null, null, null, 0, 10)
                .get(0).getError());
        assertTrue(vonage.to(number).isEmpty(), "no code was sent anywhere");
    }

    @Test
    void registrationEnrolsTheNewUserWhileThePolicyIsOn() throws Exception {
        allowRecovery();
        String token = adminToken();
        adminCall("PUT", "two-step", "{\"required\":true,\"method\":\"sms\"}", token, "application/json");
        try {
            oauth.openLoginForm();
            loginPage.clickRegister();
            driver.findElement(By.id("username")).sendKeys("registered-user");
            driver.findElement(By.id("email")).sendKeys("registered-user@example.org");
            driver.findElement(By.id("firstName")).sendKeys("Reg");
            driver.findElement(By.id("lastName")).sendKeys("Istered");
            driver.findElement(By.id("password")).sendKeys("a registered passphrase");
            driver.findElement(By.id("password-confirm")).sendKeys("a registered passphrase");
            driver.findElement(By.cssSelector("[type=submit]")).click();

            phonePage.assertCurrent(); // not logged in before a second step is set up
            assertNotLoggedIn();
        } finally {
            adminCall("PUT", "two-step", "{\"required\":false,\"method\":\"any\"}", token, "application/json");
        }
    }
}
