package io.twostep.keycloak.it;

import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.remote.timeoffset.InjectTimeOffSet;
import org.keycloak.testframework.remote.timeoffset.TimeOffSet;
import org.keycloak.models.utils.TimeBasedOTP;
import org.openqa.selenium.By;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With the realm toggle on, every user passes the second step or enrols at the next login. */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class TwoStepPolicyEnforcementTest extends AbstractJourneyTest {

    @InjectTimeOffSet
    TimeOffSet timeOffSet;

    /** Sets the policy the way an admin script would: PUT /admin/realms/{realm}/two-step. */
    private void policy(boolean required, String method, int graceDays) {
        try {
            var response = adminCall("PUT", "two-step", "{\"required\":" + required + ",\"method\":\"" + method
                    + "\",\"enrolmentGraceDays\":" + graceDays + "}", adminToken(), "application/json");
            assertEquals(200, response.statusCode(), response.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void toggleOff() {
        policy(false, "any", 0);
    }

    @Test
    void smsMethodEnrolsAUserWithoutANumberThenAsksForCodes() {
        policy(true, "sms", 0);
        TestUsers.plain(realm.admin(), "policy-sms-new");
        String number = TestUsers.newNumber();
        passwordStep("policy-sms-new");
        phonePage.assertCurrent();
        assertTrue(driver.driver().findElements(By.id("two-step-use-app")).isEmpty(),
                "the realm requires SMS: the app would not satisfy it");
        phonePage.submitNumber(number);
        codePage.enterCode(vonage.last(number).code());
        assertLoggedIn();

        startOver();
        passwordStep("policy-sms-new");
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(number).code());
        declineDeviceOffer();
        assertLoggedIn();
    }

    @Test
    void smsMethodAsksAUserWithAnAdminEnteredNumberToConfirmIt() {
        policy(true, "sms", 0);
        String onFile = TestUsers.newNumber();
        TestUsers.plainWithPhone(realm.admin(), "policy-sms-on-file", onFile);
        passwordStep("policy-sms-on-file");
        phonePage.assertCurrent();
        assertEquals(io.twostep.keycloak.phone.PhoneNumbers.mask(onFile), phonePage.prefilledNumber());
        phonePage.submitNumber(phonePage.prefilledNumber());
        codePage.enterCode(vonage.last(onFile).code());
        assertLoggedIn();
        assertEquals(1, smsCredentials("policy-sms-on-file").size());
    }

    @Test
    void otpMethodSendsSmsUsersToTheAppSetUpAfterTheirSmsCode() {
        policy(true, "otp", 0);
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "policy-otp-sms-user", number);
        passwordStep("policy-otp-sms-user");
        // The existing factor first: a password alone must not be enough to set up a new one.
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(number).code());
        assertEquals("login-login-config-totp", driver.page().getCurrentPageId());
    }

    @Test
    void otpMethodAsksUsersWithBothFactorsForTheAppAndNeverOffersSms() {
        policy(true, "otp", 0);
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumberAndTotp(realm.admin(), "policy-otp-both", number);
        passwordStep("policy-otp-both");
        assertEquals("login-login-otp", driver.page().getCurrentPageId());
        assertTrue(driver.driver().findElements(By.id("try-another-way")).isEmpty(), "SMS is not another way here");
        driver.findElement(By.id("otp")).sendKeys(new TimeBasedOTP().generateTOTP(
                TestUsers.TOTP_SECRET.getBytes(StandardCharsets.UTF_8)));
        driver.findElement(By.id("kc-login")).click();
        declineDeviceOffer();
        assertLoggedIn();
        assertTrue(vonage.to(number).isEmpty());
    }

    @Test
    void policyFailsClosedWhenTheSetUpActionIsDisabled() {
        policy(true, "sms", 0);
        var action = realm.admin().flows().getRequiredAction("configure-sms-otp");
        action.setEnabled(false);
        realm.admin().flows().updateRequiredAction("configure-sms-otp", action);
        try {
            TestUsers.plain(realm.admin(), "policy-no-action");
            passwordStep("policy-no-action");
            assertEquals("Signing in needs a second step that cannot be set up at the moment. Please contact your "
                    + "administrator.", driver.findElement(By.cssSelector("#kc-error-message .instruction")).getText());
            assertNotLoggedIn();
            List<EventRepresentation> errors = realm.admin().getEvents(List.of("LOGIN_ERROR"), null,
                    TestUsers.id(realm.admin(), "policy-no-action"), null, null, null, 0, 10);
            EventRepresentation refused = errors.stream()
                    .filter(e -> "two_step_enrolment_unavailable".equals(e.getError())).findFirst()
                    .orElseThrow(() -> new AssertionError("no enrolment_unavailable event in "
                            + errors.stream().map(e -> e.getError() + " " + e.getDetails()).toList()));
            assertEquals("enrolment_unavailable", refused.getDetails().get("two_step_event"));
            assertEquals("configure-sms-otp", refused.getDetails().get("required_action"));
        } finally {
            action.setEnabled(true);
            realm.admin().flows().updateRequiredAction("configure-sms-otp", action);
        }
    }

    @Test
    void aRefusedPasswordGrantIsNotABadPassword() {
        policy(true, "any", 0);
        TestUsers.plain(realm.admin(), "policy-grant-twice");
        assertEquals("invalid_grant", oauth.doPasswordGrantRequest("policy-grant-twice", TestUsers.PASSWORD).getError());
        assertEquals("invalid_grant", oauth.doPasswordGrantRequest("policy-grant-twice", TestUsers.PASSWORD).getError());
        Map<String, Object> status = realm.admin().attackDetection()
                .bruteForceUserStatus(TestUsers.id(realm.admin(), "policy-grant-twice"));
        assertEquals(0, ((Number) status.get("numFailures")).intValue(), status.toString());
        assertEquals(Boolean.FALSE, status.get("disabled"));
    }

    @Test
    void anyMethodLetsUsersWithoutASecondFactorChooseOnOnePage() {
        policy(true, "any", 0);
        TestUsers.plain(realm.admin(), "policy-any-new");
        passwordStep("policy-any-new");
        phonePage.assertCurrent();
        assertEquals("Set up a second step for signing in", driver.findElement(By.id("kc-page-title")).getText());
        phonePage.useAuthenticatorApp();
        assertEquals("login-login-config-totp", driver.page().getCurrentPageId());
    }

    @Test
    void usersWithASecondFactorUseIt() {
        policy(true, "any", 0);
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "policy-any-enrolled", number);
        passwordStep("policy-any-enrolled");
        codePage.enterCode(vonage.last(number).code());
        declineDeviceOffer();
        assertLoggedIn();
    }

    @Test
    void toggleOffAgainLetsUsersWithoutASecondFactorIn() {
        policy(true, "any", 0);
        policy(false, "any", 0);
        TestUsers.plain(realm.admin(), "policy-off");
        passwordStep("policy-off");
        assertLoggedIn();
    }

    @Test
    void gracePeriodOffersSetUpLaterUntilTheDeadline() {
        policy(true, "any", 7);
        TestUsers.plain(realm.admin(), "policy-grace");
        passwordStep("policy-grace");
        assertEquals("login-two-step-enrolment", driver.page().getCurrentPageId());
        driver.findElement(By.id("two-step-set-up-later")).click();
        assertLoggedIn();

        timeOffSet.set(8 * 86_400);
        startOver();
        passwordStep("policy-grace");
        phonePage.assertCurrent(); // no more "later"
    }

    /** "Set up now" in the grace period: the user enrols in this login and is let in (the safety net agrees). */
    @Test
    void gracePeriodSetUpNowEnrolsAndLogsIn() {
        policy(true, "any", 7);
        TestUsers.plain(realm.admin(), "policy-grace-now");
        String number = TestUsers.newNumber();
        passwordStep("policy-grace-now");
        assertEquals("login-two-step-enrolment", driver.page().getCurrentPageId());
        driver.findElement(By.id("two-step-set-up-now")).click();
        phonePage.assertCurrent();
        phonePage.submitNumber(number);
        codePage.enterCode(vonage.last(number).code());
        assertLoggedIn();
        assertEquals(1, smsCredentials("policy-grace-now").size());
    }

    @Test
    void passwordGrantIsRefusedWhileTheToggleIsOnUnlessTheUserHasTheApp() {
        TestUsers.plain(realm.admin(), "policy-grant");
        assertNotNull(oauth.doPasswordGrantRequest("policy-grant", TestUsers.PASSWORD).getAccessToken());
        policy(true, "any", 0);
        var refused = oauth.doPasswordGrantRequest("policy-grant", TestUsers.PASSWORD);
        assertNull(refused.getAccessToken());
        assertEquals("invalid_grant", refused.getError());
    }
}
