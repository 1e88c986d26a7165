package io.twostep.keycloak.it;

import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A user proves a mobile number with the configure-sms-otp required action, then logs in with SMS codes. */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class SmsEnrolmentJourneyTest extends AbstractJourneyTest {

    @Test
    void enrolANumberThenLogInWithTheCode() {
        TestUsers.needingEnrolment(realm.admin(), "enrol-new", null);
        String number = TestUsers.newNumber();
        passwordStep("enrol-new");

        phonePage.assertCurrent();
        assertTrue(phonePage.appAdvice().contains("authenticator app is the stronger option"), "S15 advice shown");
        // National format with the realm's default region DE, as a user would type it.
        phonePage.submitNumber("0" + number.substring(3, 6) + " " + number.substring(6));
        codePage.assertCurrent();
        assertTrue(smsCredentials("enrol-new").isEmpty(), "nothing is bound before the code is entered");

        codePage.enterCode(vonage.last(number).code());
        assertLoggedIn();

        List<CredentialRepresentation> bound = smsCredentials("enrol-new");
        assertEquals(1, bound.size());
        assertTrue(bound.get(0).getCredentialData().contains(number));
        UserRepresentation user = realm.admin().users().get(TestUsers.id(realm.admin(), "enrol-new")).toRepresentation();
        assertEquals(List.of(number), user.getAttributes().get("phoneNumber"));
        assertEquals(List.of("true"), user.getAttributes().get("phoneNumberVerified"));

        // The second login asks for a code, sent to the proven number.
        startOver();
        passwordStep("enrol-new");
        codePage.assertCurrent();
        assertEquals(2, vonage.to(number).size());
        codePage.enterCode(vonage.last(number).code());
        assertLoggedIn();
    }

    @Test
    void invalidNumbersGetClearMessagesAndSendNothing() {
        TestUsers.needingEnrolment(realm.admin(), "enrol-invalid", null);
        passwordStep("enrol-invalid");
        phonePage.assertCurrent();
        int before = vonage.received().size();

        assertRefused("", "Enter your mobile number.");
        assertRefused("call me maybe", "Use only digits, spaces, brackets, dashes and a leading +.");
        assertRefused("030 1234567", "That is not a mobile number. Enter a number that can receive text messages.");
        assertRefused("491711234567", "That is not a mobile number. Enter a number that can receive text messages.");
        assertRefused("+44 7700 900123", "That is not a valid phone number. Check the digits and the country code.");
        assertRefused("+49 900 1234567", "That is not a mobile number. Enter a number that can receive text messages.");
        assertRefused("1".repeat(40), "That is too long for a phone number."); // the input holds 32, the server refuses more

        assertEquals(before, vonage.received().size(), "no SMS to a refused number");
    }

    @Test
    void numberOnFileIsOfferedAndBoundOnlyWhenProven() {
        String onFile = TestUsers.newNumber();
        TestUsers.needingEnrolment(realm.admin(), "enrol-on-file", onFile);
        passwordStep("enrol-on-file");

        phonePage.assertCurrent();
        assertEquals(onFile, phonePage.prefilledNumber());
        phonePage.submitNumber(onFile);
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(onFile).code());
        assertLoggedIn();
        assertEquals(1, smsCredentials("enrol-on-file").size());
    }

    @Test
    void useADifferentNumberSendsToTheNewOneOnly() {
        TestUsers.needingEnrolment(realm.admin(), "enrol-change", null);
        String first = TestUsers.newNumber();
        String second = TestUsers.newNumber();
        passwordStep("enrol-change");
        phonePage.submitNumber(first);
        codePage.assertCurrent();
        String firstCode = vonage.last(first).code();

        codePage.useDifferentNumber();
        phonePage.assertCurrent();
        phonePage.submitNumber(second);
        codePage.assertCurrent();
        // The cooldown holds across numbers, so changing numbers cannot pump SMS.
        assertTrue(codePage.errorMessage().orElseThrow().startsWith("Please wait "));
        assertTrue(vonage.to(second).isEmpty());

        codePage.enterCode(firstCode);
        assertFalse(driver.getCurrentUrl().contains("code="), "the first number's code cannot bind the second");
        assertTrue(smsCredentials("enrol-change").isEmpty());
    }

    @Test
    void appInitiatedActionChangesTheBoundNumber() {
        String oldNumber = TestUsers.newNumber();
        String newNumber = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "enrol-aia", oldNumber);
        oauth.loginForm().kcAction("configure-sms-otp").open();
        loginPage.fillLogin("enrol-aia", TestUsers.PASSWORD);
        loginPage.submit();
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(oldNumber).code()); // the existing factor first

        phonePage.assertCurrent();
        phonePage.submitNumber(newNumber);
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(newNumber).code());
        assertLoggedIn();

        List<CredentialRepresentation> bound = smsCredentials("enrol-aia");
        assertEquals(1, bound.size(), "the new number replaces the old one");
        assertTrue(bound.get(0).getCredentialData().contains(newNumber));
    }

    @Test
    void authenticatorAppIsOfferedInstead() {
        TestUsers.needingEnrolment(realm.admin(), "enrol-app", null);
        passwordStep("enrol-app");
        phonePage.assertCurrent();
        phonePage.useAuthenticatorApp();
        assertEquals("login-login-config-totp", driver.page().getCurrentPageId());
    }

    private void assertRefused(String input, String message) {
        phonePage.submitNumber(input);
        phonePage.assertCurrent();
        assertEquals(message, phonePage.fieldError().orElseThrow(), "for input " + input);
    }

}
