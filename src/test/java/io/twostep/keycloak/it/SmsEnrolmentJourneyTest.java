package io.twostep.keycloak.it;

import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import jakarta.ws.rs.BadRequestException;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.RequiredActionConfigRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
        declineDeviceOffer();
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
        assertEquals(io.twostep.keycloak.phone.PhoneNumbers.mask(onFile), phonePage.prefilledNumber(),
                "the number on file is shown masked before any proof");
        phonePage.submitNumber(phonePage.prefilledNumber());
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(onFile).code());
        assertLoggedIn();
        assertEquals(1, smsCredentials("enrol-on-file").size());
    }

    @Test
    void aDigitChangedInTheHiddenNumberOnFileSaysHowToChangeIt() {
        String onFile = TestUsers.newNumber();
        TestUsers.needingEnrolment(realm.admin(), "enrol-on-file-edited", onFile);
        passwordStep("enrol-on-file-edited");
        String masked = phonePage.prefilledNumber();
        int before = vonage.received().size();

        char last = masked.charAt(masked.length() - 1);
        phonePage.submitNumber(masked.substring(0, masked.length() - 1) + (last == '7' ? '3' : '7')); // typed over
        phonePage.assertCurrent();
        assertEquals("The number on file is partly hidden and cannot be changed digit by digit. Text a code to it "
                + "as shown, or clear the field and type the whole number.", phonePage.fieldError().orElseThrow());
        assertEquals(masked, phonePage.prefilledNumber(), "the number on file is shown again, ready to confirm");
        assertEquals(before, vonage.received().size(), "nothing sent");

        phonePage.submitNumber(phonePage.prefilledNumber());
        codePage.enterCode(vonage.last(onFile).code());
        assertLoggedIn();
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
        EventRepresentation change = realm.admin().getEvents(List.of("UPDATE_CREDENTIAL"), null,
                TestUsers.id(realm.admin(), "enrol-aia"), null, null, null, 0, 10).get(0);
        assertEquals("sms_number_bound", change.getDetails().get("two_step_event"));
        assertTrue(change.getDetails().get("previous_phone_number_masked").endsWith(oldNumber.substring(oldNumber.length() - 2)));
        assertFalse(change.getDetails().toString().contains(newNumber.substring(3)), "masked only");
    }

    @Test
    void regionAllowListAlsoStopsCodesToNumbersBoundEarlier() {
        String number = TestUsers.newNumber(); // German
        TestUsers.withBoundNumber(realm.admin(), "enrol-region", number);
        RequiredActionConfigRepresentation original = realm.admin().flows().getRequiredActionConfig("configure-sms-otp");
        RequiredActionConfigRepresentation austriaOnly = new RequiredActionConfigRepresentation();
        austriaOnly.setConfig(new HashMap<>(original.getConfig()));
        austriaOnly.getConfig().put("allowed-regions", "AT");
        realm.admin().flows().updateRequiredActionConfig("configure-sms-otp", austriaOnly);
        try {
            passwordStep("enrol-region");
            codePage.assertCurrent();
            assertEquals("Codes can no longer be sent to this number here. Use another way to sign in, or contact your "
                    + "administrator.", codePage.errorMessage().orElseThrow());
            assertTrue(vonage.to(number).isEmpty());
        } finally {
            realm.admin().flows().updateRequiredActionConfig("configure-sms-otp", original);
        }
    }

    @Test
    void outOfRangeSettingsAreRefusedWhenSaved() {
        RequiredActionConfigRepresentation original = realm.admin().flows().getRequiredActionConfig("configure-sms-otp");
        for (Map<String, String> bad : List.of(Map.of("code-length", "4"), Map.of("code-length", "six"),
                Map.of("sends-per-login", "50"), Map.of("allowed-regions", "DE,XX"), Map.of("default-region", "ZZ"))) {
            RequiredActionConfigRepresentation config = new RequiredActionConfigRepresentation();
            config.setConfig(new HashMap<>(original.getConfig()));
            config.getConfig().putAll(bad);
            assertThrows(BadRequestException.class,
                    () -> realm.admin().flows().updateRequiredActionConfig("configure-sms-otp", config), bad.toString());
        }
        assertEquals(original.getConfig(), realm.admin().flows().getRequiredActionConfig("configure-sms-otp").getConfig());
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
