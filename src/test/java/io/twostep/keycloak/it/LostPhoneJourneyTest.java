package io.twostep.keycloak.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.twostep.keycloak.phone.PhoneNumbers;
import io.twostep.keycloak.support.Mailbox;
import io.twostep.keycloak.support.RecoveryCodesPage;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.mail.MailServer;
import org.keycloak.testframework.mail.annotations.InjectMailServer;
import org.keycloak.testframework.ui.page.SelectAuthenticatorPage;
import org.openqa.selenium.By;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user who lost their phone gets back in with a recovery code, sets up a new number, and is told by e-mail at
 * each change. Keycloak's own recovery codes, offered right after the first set-up; GreenMail receives the notices.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class LostPhoneJourneyTest extends AbstractJourneyTest {

    @InjectMailServer
    MailServer mail;

    Mailbox mailbox;
    RecoveryCodesPage codesPage;
    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void pages() {
        mailbox = new Mailbox(mail);
        codesPage = new RecoveryCodesPage(driver);
    }

    private static String address(String username) {
        return username + "@example.org";
    }

    /** Signs in with the recovery code asked for, through "Try another way" on the SMS page. */
    private void useRecoveryCode(String code) {
        codePage.assertCurrent();
        driver.findElement(By.id("try-another-way")).click();
        new SelectAuthenticatorPage(driver).selectLoginMethod("Recovery Authentication Code");
        assertEquals(RecoveryCodesPage.INPUT, driver.page().getCurrentPageId());
        codesPage.enter(code);
    }

    /** The notice names the numbers masked only, in its text and its HTML. */
    private static void assertNoFullNumber(MimeMessage notice, String... numbers) {
        for (String part : List.of(Mailbox.text(notice), Mailbox.html(notice))) {
            String digits = part.replaceAll("[^0-9]", "");
            for (String number : numbers) {
                assertFalse(digits.contains(number.substring(3)), "no full number in the notice: " + part);
            }
        }
    }

    private List<EventRepresentation> events(String username, String type) {
        return realm.admin().getEvents(List.of(type), null, TestUsers.id(realm.admin(), username), null, null,
                null, 0, 50);
    }

    private List<CredentialRepresentation> credentials(String username, String type) {
        return realm.admin().users().get(TestUsers.id(realm.admin(), username)).credentials().stream()
                .filter(c -> type.equals(c.getType())).toList();
    }

    @Test
    void enrolBySmsSaveCodesSignInWithOneThenSetUpANewNumber() throws Exception {
        TestUsers.needingEnrolment(realm.admin(), "lost-phone", null);
        String oldNumber = TestUsers.newNumber();
        passwordStep("lost-phone");
        phonePage.submitNumber(oldNumber);
        codePage.enterCode(vonage.last(oldNumber).code());

        assertTrue(codesPage.isCurrent(), "recovery codes are offered right after the first set-up: "
                + driver.page().getCurrentPageId());
        List<String> saved = codesPage.save();
        assertEquals(12, saved.size());
        assertLoggedIn();
        MimeMessage bound = mailbox.await(address("lost-phone"), "a phone number now receives your sign-in codes");
        assertTrue(Mailbox.text(bound).contains(PhoneNumbers.mask(oldNumber)), Mailbox.text(bound));
        assertTrue(Mailbox.text(bound).contains("If you did not set up this number"), Mailbox.text(bound));
        assertNoFullNumber(bound, oldNumber);

        // The phone is gone: a recovery code instead of the SMS code, then a new number, then fresh codes.
        startOver();
        passwordStep("lost-phone");
        useRecoveryCode(saved.get(0));
        phonePage.assertCurrent();
        String newNumber = TestUsers.newNumber();
        phonePage.submitNumber(newNumber);
        codePage.enterCode(vonage.last(newNumber).code());
        assertTrue(codesPage.isCurrent(), "fresh codes after the new set-up: " + driver.page().getCurrentPageId());
        List<String> fresh = codesPage.save();
        assertNotEquals(saved, fresh);
        assertLoggedIn();

        List<CredentialRepresentation> sms = credentials("lost-phone", "sms-otp");
        assertEquals(1, sms.size());
        assertTrue(sms.get(0).getCredentialData().contains(newNumber), "the new number is bound");
        String codesData = credentials("lost-phone", "recovery-authn-codes").get(0).getCredentialData();
        assertTrue(codesData.replace(" ", "").contains("\"remainingCodes\":12"), "a whole new set of codes: " + codesData);
        EventRepresentation used = events("lost-phone", "CUSTOM_REQUIRED_ACTION").stream()
                .filter(e -> "recovery_code_used".equals(e.getDetails().get("two_step_event"))).findFirst()
                .orElseThrow();
        assertEquals("11", used.getDetails().get("remaining"));

        MimeMessage usedNotice = mailbox.await(address("lost-phone"), "a recovery code was used");
        assertTrue(Mailbox.text(usedNotice).contains("You have 11 recovery codes left"), Mailbox.text(usedNotice));
        MimeMessage changed = mailbox.await(address("lost-phone"), "your sign-in phone number was changed");
        String text = Mailbox.text(changed);
        assertTrue(text.contains("from " + PhoneNumbers.mask(oldNumber) + " to " + PhoneNumbers.mask(newNumber)),
                text);
        assertTrue(Mailbox.html(changed).contains(PhoneNumbers.mask(newNumber)), Mailbox.html(changed));
        assertNoFullNumber(changed, oldNumber, newNumber);
        assertNoFullNumber(usedNotice, oldNumber, newNumber);

        // The old set is void; the fresh one works, once per code.
        startOver();
        passwordStep("lost-phone");
        useRecoveryCode(saved.get(1));
        assertEquals(RecoveryCodesPage.INPUT, driver.page().getCurrentPageId(), "a code of the old set is refused");
        assertNotLoggedIn();
        codesPage.enter(fresh.get(0));
        phonePage.assertCurrent(); // and again the user sets up the second step
    }

    @Test
    void theAppAndNumberOfTheLostPhoneGoOnceTheNewNumberIsProven() throws Exception {
        String oldNumber = TestUsers.newNumber();
        List<String> codes = TestUsers.newRecoveryCodes();
        TestUsers.withRecoveryCodes(realm.admin(), "lost-both", oldNumber, true, codes);
        passwordStep("lost-both");
        // The app's form comes first for a user with both; the recovery code is another way from there too.
        driver.findElement(By.id("try-another-way")).click();
        new SelectAuthenticatorPage(driver).selectLoginMethod("Recovery Authentication Code");
        codesPage.enter(codes.get(0));

        phonePage.assertCurrent();
        assertTrue(driver.driver().findElements(By.id("two-step-use-app")).size() == 1,
                "a new app is offered as well as a new number");
        String newNumber = TestUsers.newNumber();
        phonePage.submitNumber(newNumber);
        codePage.enterCode(vonage.last(newNumber).code());
        codesPage.save();
        assertLoggedIn();

        assertTrue(credentials("lost-both", "otp").isEmpty(), "the app of the lost phone no longer signs in");
        assertTrue(credentials("lost-both", "sms-otp").get(0).getCredentialData().contains(newNumber));
        assertTrue(events("lost-both", "REMOVE_CREDENTIAL").stream().anyMatch(e -> "otp".equals(
                e.getDetails().get("credential_type"))
                && "second_factor_replaced".equals(e.getDetails().get("two_step_event"))));
        MimeMessage removed = mailbox.await(address("lost-both"), "a second step was removed from your account");
        assertTrue(Mailbox.text(removed).contains("\"authenticator app\""), Mailbox.text(removed));
    }

    /** Issue item 4: the old phone is gone, so its code is replaced by a recovery code; the new number still proves itself. */
    @Test
    void changingTheNumberWithARecoveryCodeInsteadOfTheOldPhone() throws Exception {
        String oldNumber = TestUsers.newNumber();
        List<String> codes = TestUsers.newRecoveryCodes();
        TestUsers.withRecoveryCodes(realm.admin(), "change-lost", oldNumber, false, codes);

        // The Account Console's "Set up" of the SMS number, from a browser without a session.
        oauth.loginForm().kcAction("configure-sms-otp").open();
        loginPage.fillLogin("change-lost", TestUsers.PASSWORD);
        loginPage.submit();
        useRecoveryCode(codes.get(0));
        int toOld = vonage.to(oldNumber).size();

        phonePage.assertCurrent();
        String newNumber = TestUsers.newNumber();
        phonePage.submitNumber(newNumber);
        codePage.enterCode(vonage.last(newNumber).code());
        assertTrue(codesPage.isCurrent(), "fresh codes: " + driver.page().getCurrentPageId());
        codesPage.save();
        assertLoggedIn();

        assertEquals(toOld, vonage.to(oldNumber).size(), "nothing more went to the old phone");
        assertTrue(credentials("change-lost", "sms-otp").get(0).getCredentialData().contains(newNumber));
        MimeMessage changed = mailbox.await(address("change-lost"), "your sign-in phone number was changed");
        assertTrue(Mailbox.text(changed).contains(PhoneNumbers.mask(newNumber)));
        assertNoFullNumber(changed, oldNumber, newNumber);
    }

    @Test
    void aRememberedDeviceAndRemovedFactorsAreTold() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumberAndTotp(realm.admin(), "told", number);
        passwordStep("told");
        driver.findElement(By.id("try-another-way")).click();
        new SelectAuthenticatorPage(driver).selectLoginMethod("SMS code");
        codePage.enterCode(vonage.last(number).code());
        rememberDevice();
        assertLoggedIn();
        String label = realm.admin().users().get(TestUsers.id(realm.admin(), "told")).credentials().stream()
                .filter(c -> "trusted-device".equals(c.getType())).findFirst().orElseThrow().getUserLabel();
        MimeMessage remembered = mailbox.await(address("told"), "a browser was remembered for signing in");
        String text = Mailbox.text(remembered);
        assertTrue(text.contains("\"" + label + "\""), text);
        assertTrue(text.matches("(?s).*on \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC, from the address 127\\.0\\.0\\.1.*"),
                text);
        assertTrue(text.contains("change your password now"), text);

        // The user removes the app (Account REST, in a session that used the SMS code).
        String token = oauth.doAccessTokenRequest(oauth.parseLoginResponse().getCode()).getAccessToken();
        String otpId = credentials("told", "otp").get(0).getId();
        var removed = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(realm.getBaseUrl() + "/account/credentials/" + otpId))
                .header("Authorization", "Bearer " + token).header("Accept", "application/json").DELETE().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(204, removed.statusCode(), removed.body());
        MimeMessage byUser = mailbox.await(address("told"), "a second step was removed from your account");
        assertTrue(Mailbox.text(byUser).contains("The second step \"authenticator app\" was removed"),
                Mailbox.text(byUser));

        // An admin removes the number.
        String smsId = credentials("told", "sms-otp").get(0).getId();
        realm.admin().users().get(TestUsers.id(realm.admin(), "told")).removeCredential(smsId);
        MimeMessage byAdmin = mailbox.await(address("told"), "an administrator removed a second step");
        assertTrue(Mailbox.text(byAdmin).contains("\"codes by text message\""), Mailbox.text(byAdmin));
        assertNoFullNumber(byAdmin, number);
        assertEquals(1, mailbox.withSubject(address("told"), "a second step was removed").size(),
                "one notice per removal (Keycloak's older REMOVE_TOTP beside it tells nothing)");
    }

    @Test
    void noticesSpeakTheUsersLanguage() throws Exception {
        TestUsers.needingEnrolment(realm.admin(), "auf-deutsch", null);
        var user = realm.admin().users().get(TestUsers.id(realm.admin(), "auf-deutsch"));
        var rep = user.toRepresentation();
        rep.singleAttribute("locale", "de");
        user.update(rep);
        String number = TestUsers.newNumber();
        passwordStep("auf-deutsch");
        phonePage.submitNumber(number);
        codePage.enterCode(vonage.last(number).code());
        assertLoggedIn();
        MimeMessage bound = mailbox.await(address("auf-deutsch"), "Eine Telefonnummer erhält jetzt Ihre Anmeldecodes");
        assertTrue(Mailbox.text(bound).contains("gehen jetzt per SMS an die Telefonnummer "
                + PhoneNumbers.mask(number)), Mailbox.text(bound));
    }

    @Test
    void switchedOffOrWithoutAnAddressNothingIsSent() throws Exception {
        String token = adminToken();
        try {
            assertEquals(200, adminCall("PUT", "two-step", "{\"notifications\":false}", token, "application/json")
                    .statusCode());
            TestUsers.needingEnrolment(realm.admin(), "quiet", null);
            String number = TestUsers.newNumber();
            passwordStep("quiet");
            phonePage.submitNumber(number);
            codePage.enterCode(vonage.last(number).code());
            assertLoggedIn();
        } finally {
            adminCall("PUT", "two-step", "{\"notifications\":true}", token, "application/json");
        }
        // Notices on again: the next change is told, and it is the only message this user ever got.
        String smsId = credentials("quiet", "sms-otp").get(0).getId();
        realm.admin().users().get(TestUsers.id(realm.admin(), "quiet")).removeCredential(smsId);
        mailbox.await(address("quiet"), "an administrator removed a second step");
        Thread.sleep(1000);
        assertEquals(1, mailbox.to(address("quiet")).size(), "nothing was sent while notices were off");

        // A user without an e-mail address: the change goes through, nothing is sent, nothing fails.
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "no-address", number);
        var user = realm.admin().users().get(TestUsers.id(realm.admin(), "no-address"));
        var rep = user.toRepresentation();
        rep.setEmail("");
        user.update(rep);
        user.removeCredential(credentials("no-address", "sms-otp").get(0).getId());
        assertTrue(credentials("no-address", "sms-otp").isEmpty());
        assertEquals(0, mailbox.to(address("no-address")).size());
    }

    @Test
    void recoveryCodeSettingsAreValidatedAndReadBack() throws Exception {
        String token = adminToken();
        var bad = adminCall("PUT", "two-step", "{\"recoveryCodes\":\"sometimes\"}", token, "application/json");
        assertEquals(400, bad.statusCode());
        assertEquals("recoveryCodes must be one of off, offer, required; was: sometimes",
                json.readTree(bad.body()).path("errorMessage").asText());
        var badBool = adminCall("PUT", "two-step", "{\"notifications\":\"loud\"}", token, "application/json");
        assertEquals(400, badBool.statusCode());
        assertTrue(badBool.body().contains("notifications must be true or false"), badBool.body());
        JsonNode policy = json.readTree(adminCall("GET", "two-step", null, token, "application/json").body());
        assertEquals("offer", policy.path("recoveryCodes").asText());
        assertTrue(policy.path("notifications").asBoolean());
        assertEquals("offer", realm.admin().toRepresentation().getAttributes().get("twoStep.recoveryCodes"),
                "nothing written by the refused changes");
    }

    @Test
    void theReadinessReportKnowsTheFormAndCountsUsersWithCodes() throws Exception {
        TestUsers.withRecoveryCodes(realm.admin(), "counted-1", TestUsers.newNumber(), false,
                TestUsers.newRecoveryCodes());
        TestUsers.withRecoveryCodes(realm.admin(), "counted-2", TestUsers.newNumber(), false,
                TestUsers.newRecoveryCodes());
        String token = adminToken();
        JsonNode report = json.readTree(adminCall("GET", "two-step/readiness", null, token, "application/json")
                .body()).path("recoveryCodes");
        assertTrue(report.path("usable").asBoolean(), report.toString());
        assertTrue(report.path("browserFlowRunsForm").asBoolean(), report.toString());
        assertTrue(report.path("resetCredentialsFlowRunsForm").asBoolean(), report.toString());
        assertTrue(report.path("usersWithCodes").asInt() >= 2, report.toString());
        assertEquals("offer", report.path("setting").asText());
    }
}
