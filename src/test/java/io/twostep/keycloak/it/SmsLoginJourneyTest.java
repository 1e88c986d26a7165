package io.twostep.keycloak.it;

import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.RawBrowser;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.RealmBuilder;

import java.util.List;
import java.util.Map;
import org.keycloak.testframework.remote.timeoffset.InjectTimeOffSet;
import org.keycloak.testframework.remote.timeoffset.TimeOffSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A user with a bound number logs in with a code sent by SMS. */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class SmsLoginJourneyTest extends AbstractJourneyTest {

    @InjectTimeOffSet
    TimeOffSet timeOffSet;

    private String enrolledUser(String name) {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), name, number);
        return number;
    }

    @Test
    void correctCodeLogsIn() {
        String number = enrolledUser("login-ok");
        passwordStep("login-ok");

        codePage.assertCurrent();
        FakeVonage.Sms sms = vonage.last(number);
        assertTrue(codePage.sentToText().contains("+49") && codePage.sentToText().contains(number.substring(number.length() - 2)),
                "the page names the masked number");
        assertFalse(codePage.sentToText().contains(number.substring(3)), "the page never shows the full number");
        assertEquals("TwoStep", sms.from());
        assertEquals("one-time-code", codePage.codeInput().getAttribute("autocomplete"));
        assertEquals("numeric", codePage.codeInput().getAttribute("inputmode"));
        assertTrue(sms.text().startsWith("Two-step demo: your login code is " + sms.code()), sms.text());
        assertTrue(sms.text().endsWith("\n\n@localhost #" + sms.code()), "origin-bound last line");

        codePage.enterCode(sms.code());
        declineDeviceOffer();
        assertLoggedIn();
    }

    /** With the hostname option set, as in production, a forged {@code Host} header changes nothing in the SMS. */
    @Test
    void theSmsNamesTheConfiguredHostWhateverTheRequestSays() throws Exception {
        String number = enrolledUser("login-forged-host");
        RawBrowser browser = new RawBrowser(null, "evil.example");
        browser.signIn(oauth.loginForm().build(), "login-forged-host", TestUsers.PASSWORD);
        assertTrue(browser.hasForm("kc-sms-otp-form"), () -> "a code was sent: " + browser.page());
        FakeVonage.Sms sms = vonage.last(number);
        assertTrue(sms.text().endsWith("\n\n@localhost #" + sms.code()), sms.text());
        assertFalse(sms.text().contains("evil.example"), sms.text());
    }

    @Test
    void smsAndPageFollowTheUsersLanguage() {
        String number = enrolledUser("login-de");
        oauth.loginForm().uiLocales("de").open();
        loginPage.fillLogin("login-de", TestUsers.PASSWORD);
        loginPage.submit();

        codePage.assertCurrent();
        FakeVonage.Sms sms = vonage.last(number);
        assertTrue(sms.text().startsWith("Two-step demo: Ihr Anmeldecode lautet " + sms.code() + ". Er ist 5 Minuten gültig."),
                sms.text());
        assertEquals("text", sms.type(), "ü is in the GSM alphabet: no unicode needed");
        assertTrue(codePage.sentToText().startsWith("Wir haben einen 6-stelligen Code per SMS an +49"));
        codePage.enterCode(sms.code());
        declineDeviceOffer();
        assertLoggedIn();
    }

    /** The SMS text's pattern is cached per realm and locale; the realm's own texts still apply at the next SMS. */
    @Test
    void theRealmsOwnSmsTextAppliesAtOnce() {
        String number = enrolledUser("login-own-text");
        var localization = realm.admin().localization();
        try {
            passwordStep("login-own-text");
            assertTrue(vonage.last(number).text().startsWith("Two-step demo: your login code is "));

            localization.saveRealmLocalizationText("en", "twoStepSmsText", "{0} code {1}, valid {2} min.");
            startOver();
            passwordStep("login-own-text");
            FakeVonage.Sms sms = vonage.last(number);
            assertTrue(sms.text().startsWith("Two-step demo code " + sms.code() + ", valid 5 min."), sms.text());

            startOver();
            oauth.loginForm().uiLocales("de").open();
            loginPage.fillLogin("login-own-text", TestUsers.PASSWORD);
            loginPage.submit();
            sms = vonage.last(number);
            assertTrue(sms.text().startsWith("Two-step demo: Ihr Anmeldecode lautet " + sms.code()),
                    "the theme's German text comes before the realm's English one: " + sms.text());

            localization.saveRealmLocalizationText("en", "twoStepSmsText", "{0} says {1}.");
            startOver();
            passwordStep("login-own-text");
            sms = vonage.last(number);
            assertTrue(sms.text().startsWith("Two-step demo says " + sms.code() + "."), sms.text());

            localization.deleteRealmLocalizationText("en", "twoStepSmsText");
            startOver();
            passwordStep("login-own-text");
            sms = vonage.last(number);
            assertTrue(sms.text().startsWith("Two-step demo: your login code is " + sms.code()), sms.text());
            codePage.enterCode(sms.code());
            declineDeviceOffer();
            assertLoggedIn();
        } finally {
            localization.getRealmSpecificLocales().forEach(locale -> {
                if (localization.getRealmLocalizationTexts(locale).containsKey("twoStepSmsText")) {
                    localization.deleteRealmLocalizationText(locale, "twoStepSmsText");
                }
            });
        }
    }

    @Test
    void wrongCodeShowsSameFormWithErrorThenRightCodeLogsIn() {
        String number = enrolledUser("login-wrong");
        passwordStep("login-wrong");
        String code = vonage.last(number).code();

        codePage.enterCode(code.equals("000000") ? "111111" : "000000");
        codePage.assertCurrent();
        assertEquals("That code is not right. Check the text message and try again.", codePage.fieldError().orElseThrow());
        assertNotLoggedIn();

        codePage.enterCode(code);
        declineDeviceOffer();
        assertLoggedIn();
        assertEquals(1, vonage.to(number).size(), "a wrong code sends nothing new");
    }

    @Test
    void malformedInputIsAFormErrorNotAnAttempt() {
        String number = enrolledUser("login-malformed");
        passwordStep("login-malformed");
        String code = vonage.last(number).code();
        for (String bad : new String[]{"abcdef", "12345", "1234567890123", "١٢٣٤٥", "12345x", ""}) {
            codePage.enterCode(bad);
            codePage.assertCurrent();
            assertEquals("Enter the 6-digit code from the text message.", codePage.fieldError().orElseThrow());
        }
        // Digits of any script count, as typed on a phone set to another language; spaces are ignored.
        StringBuilder fullWidth = new StringBuilder();
        for (char c : code.toCharArray()) {
            fullWidth.append((char) ('\uFF10' + (c - '0')));
        }
        codePage.enterCode(fullWidth.substring(0, 3) + " " + fullWidth.substring(3));
        declineDeviceOffer();
        assertLoggedIn();
    }

    @Test
    void reloadSendsNothing() {
        String number = enrolledUser("login-reload");
        passwordStep("login-reload");
        codePage.assertCurrent();
        String code = vonage.last(number).code();

        driver.navigate().refresh();
        codePage.assertCurrent();
        driver.navigate().refresh();
        codePage.assertCurrent();

        assertEquals(1, vonage.to(number).size(), "reloading the page must not send another SMS");
        codePage.enterCode(code);
        declineDeviceOffer();
        assertLoggedIn();
    }

    @Test
    void fifthWrongCodeKillsTheCode() {
        // Keycloak's own quick-login check would lock the account first; this test is about the code's own limit.
        realm.updateWithCleanup(r -> r.bruteForceProtected(false));
        String number = enrolledUser("login-five-wrong");
        passwordStep("login-five-wrong");
        String code = vonage.last(number).code();
        String wrong = code.equals("999999") ? "888888" : "999999";
        for (int i = 0; i < 5; i++) {
            codePage.enterCode(wrong);
        }
        codePage.enterCode(code);
        codePage.assertCurrent();
        assertEquals("Too many wrong codes. Ask for a new code.", codePage.errorMessage().orElseThrow());
        assertNotLoggedIn();
    }

    @Test
    void wrongCodesCountTowardKeycloakBruteForceDetection() {
        realm.updateWithCleanup(r -> {
            RealmBuilder updated = r.bruteForceProtected(true).failureFactor(3);
            updated.build().setQuickLoginCheckMilliSeconds(1L);
            return updated;
        });
        String number = enrolledUser("login-brute");
        passwordStep("login-brute");
        String code = vonage.last(number).code();
        String wrong = code.equals("999999") ? "888888" : "999999";
        for (int i = 0; i < 3; i++) {
            codePage.enterCode(wrong);
        }

        codePage.enterCode(code);
        codePage.assertCurrent();
        assertEquals("Invalid authenticator code.", codePage.errorMessage().orElseThrow());
        assertNotLoggedIn();
        Map<String, Object> status = realm.admin().attackDetection()
                .bruteForceUserStatus(TestUsers.id(realm.admin(), "login-brute"));
        assertEquals(Boolean.TRUE, status.get("disabled"), "Keycloak's detector locked the user: " + status);

        // Asked for a new code while locked, on this page and in a new login: no SMS goes out.
        timeOffSet.set(31);
        codePage.forceResend();
        assertEquals("Invalid authenticator code.", codePage.errorMessage().orElseThrow());
        startOver();
        passwordStep("login-brute");
        assertNotLoggedIn();
        assertEquals(1, vonage.to(number).size(), "no SMS while locked");
    }

    @Test
    void expiredCodeIsRefusedAndANewOneWorks() {
        String number = enrolledUser("login-expired");
        passwordStep("login-expired");
        String oldCode = vonage.last(number).code();

        timeOffSet.set(301);
        codePage.enterCode(oldCode);
        codePage.assertCurrent();
        assertEquals("This code has expired. Ask for a new code.", codePage.errorMessage().orElseThrow());
        assertTrue(codePage.resendButton().isEnabled(), "the page offers a new code");

        codePage.resendButton().click();
        codePage.assertCurrent();
        assertEquals(2, vonage.to(number).size());
        codePage.enterCode(vonage.last(number).code());
        declineDeviceOffer();
        assertLoggedIn();
    }

    @Test
    void resendObeysCooldownAndCapAndVoidsTheOldCode() {
        // Two wrong codes in a row would trip the demo realm's quick-login check (a brute-force rule of its own).
        realm.updateWithCleanup(r -> r.bruteForceProtected(false));
        String number = enrolledUser("login-resend");
        passwordStep("login-resend");
        String first = vonage.last(number).code();

        assertFalse(codePage.resendButton().isEnabled(), "resend is disabled during the cooldown");
        assertTrue(codePage.resendButton().getText().matches("Resend code in \\d+ s"), codePage.resendButton().getText());
        codePage.forceResend();
        codePage.assertCurrent();
        assertTrue(codePage.errorMessage().orElseThrow().startsWith("Please wait "), "server-side cooldown");
        assertEquals(1, vonage.to(number).size());

        timeOffSet.set(31);
        driver.navigate().refresh(); // what the page's countdown does for a waiting user
        codePage.resendButton().click();
        assertEquals("We sent a new code to " + codePage.sentToText().replaceAll(".* to (\\S+)\\.$", "$1")
                + ". Earlier codes no longer work.", codePage.infoMessage().orElseThrow());
        String second = vonage.last(number).code();

        timeOffSet.set(62);
        driver.navigate().refresh(); // what the page's countdown does for a waiting user
        codePage.resendButton().click();
        assertEquals(3, vonage.to(number).size());
        String third = vonage.last(number).code();
        assertFalse(codePage.resendButton().isEnabled(), "no sends left");

        timeOffSet.set(93);
        codePage.forceResend();
        assertEquals("No more codes can be sent in this login. Start the login again to get a new one.",
                codePage.errorMessage().orElseThrow());
        assertEquals(3, vonage.to(number).size(), "at most three SMS per login");

        // Both earlier codes are void (a one-in-a-million chance that one equals the last code is skipped).
        for (String earlier : List.of(first, second)) {
            if (!earlier.equals(third)) {
                codePage.enterCode(earlier);
                assertEquals("That code is not right. Check the text message and try again.",
                        codePage.fieldError().orElseThrow(), "a resend voids the earlier code");
            }
        }
        codePage.enterCode(third);
        declineDeviceOffer();
        assertLoggedIn();
    }
}
