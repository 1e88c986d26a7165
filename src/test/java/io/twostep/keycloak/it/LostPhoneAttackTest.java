package io.twostep.keycloak.it;

import io.twostep.keycloak.support.Mailbox;
import io.twostep.keycloak.support.RawBrowser;
import io.twostep.keycloak.support.RecoveryCodesPage;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.mail.MailServer;
import org.keycloak.testframework.mail.annotations.InjectMailServer;
import org.keycloak.testframework.realm.RealmBuilder;
import org.keycloak.testframework.ui.page.SelectAuthenticatorPage;
import org.openqa.selenium.By;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attempts on the lost-phone paths (recovery codes, the number change without the old phone, the help-desk reset)
 * that must fail, each as it would be made: real browsers and plain HTTP against the journey server.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class LostPhoneAttackTest extends AbstractJourneyTest {

    @InjectMailServer
    MailServer mail;

    /** Form of Keycloak's recovery-code input at login. */
    private static final String CODE_FORM = "kc-recovery-code-login-form";
    /** Form of this extension's SMS set-up page, which follows a spent recovery code. */
    private static final String SET_UP_FORM = "kc-sms-enrol-form";

    /**
     * A user with a bound number and recovery codes, the codes first in the user's order of credentials, so that
     * Keycloak's recovery-code form is the login's default second step (no "Try another way" needed).
     */
    private void codesFirst(String username, String number, List<String> codes) {
        TestUsers.withRecoveryCodes(realm.admin(), username, number, false, codes);
        var user = realm.admin().users().get(TestUsers.id(realm.admin(), username));
        String codesId = user.credentials().stream().filter(c -> "recovery-authn-codes".equals(c.getType()))
                .findFirst().orElseThrow().getId();
        user.moveCredentialToFirst(codesId);
    }

    private List<CredentialRepresentation> credentials(String username, String type) {
        return realm.admin().users().get(TestUsers.id(realm.admin(), username)).credentials().stream()
                .filter(c -> type.equals(c.getType())).toList();
    }

    private void useRecoveryCode(String code) {
        driver.findElement(By.id("try-another-way")).click();
        new SelectAuthenticatorPage(driver).selectLoginMethod("Recovery Authentication Code");
        assertEquals(RecoveryCodesPage.INPUT, driver.page().getCurrentPageId());
        new RecoveryCodesPage(driver).enter(code);
    }

    /**
     * Three logins of one account (each with the password) post the same recovery code at the same instant, round
     * after round: a code works once, so exactly one of each round gets past the form. The others end on the form
     * with Keycloak's error or on Keycloak's error page, never at the client. (Keycloak's own update of the stored
     * codes let two of a pair in, now and then; the form's claim of the spent code stops that.)
     */
    @Test
    void oneRecoveryCodeInTwoParallelLoginsLetsOneIn() throws Exception {
        realm.updateWithCleanup(r -> r.bruteForceProtected(false)); // the losers' refusals are not the subject here
        List<String> codes = TestUsers.newRecoveryCodes();
        codesFirst("race-codes", TestUsers.newNumber(), codes);
        int rounds = 6;
        List<Integer> inPerRound = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            List<RawBrowser> browsers = List.of(new RawBrowser(null), new RawBrowser(null), new RawBrowser(null));
            for (RawBrowser browser : browsers) {
                browser.signIn(oauth.loginForm().build(), "race-codes", TestUsers.PASSWORD);
                assertTrue(browser.hasForm(CODE_FORM), () -> "the recovery-code form: " + browser.page());
            }
            String code = codes.get(round);
            RawBrowser.allAtOnce(browsers, b -> b.submit(CODE_FORM, Map.of("recoveryCodeInput", code)));
            int in = (int) browsers.stream().filter(b -> b.hasForm(SET_UP_FORM)).count();
            browsers.forEach(b -> assertTrue(b.hasForm(SET_UP_FORM) || b.hasForm(CODE_FORM)
                            || b.page().contains("data-page-id=\"login-error\""),
                    () -> "on to the set-up, or refused (form or error page): " + b.status() + " " + b.page()));
            inPerRound.add(in);
        }
        assertEquals(List.of(1, 1, 1, 1, 1, 1), inPerRound, "logins let in per code");
        String data = credentials("race-codes", "recovery-authn-codes").get(0).getCredentialData();
        assertTrue(data.replace(" ", "").contains("\"remainingCodes\":" + (12 - rounds)), data);
    }

    /**
     * The number change that a recovery code opens ({@code kc_action=configure-sms-otp}) cannot be cancelled into
     * a finished login: the code stood in for the old phone so that a new number is set up, not for a sign-in
     * that keeps the old one and sets up nothing. Also a crafted {@code cancel-aia} post.
     */
    @Test
    void theNumberChangeARecoveryCodeOpenedCannotBeCancelledIntoALogin() throws Exception {
        String oldNumber = TestUsers.newNumber();
        List<String> codes = TestUsers.newRecoveryCodes();
        TestUsers.withRecoveryCodes(realm.admin(), "aia-cancel", oldNumber, false, codes);

        // A crafted post of the cancel button that Keycloak's application-initiated actions know.
        RawBrowser raw = new RawBrowser(null);
        raw.signIn(oauth.loginForm().kcAction("configure-sms-otp").build(), "aia-cancel", TestUsers.PASSWORD);
        assertTrue(raw.hasForm("kc-sms-otp-form"), () -> "the code to the old number: " + raw.page());
        // Keycloak's "Try another way" then the recovery-code form, as the page's own forms post them.
        raw.submit("kc-select-try-another-way-form", Map.of("tryAnotherWay", "on"));
        String recoveryExecution = executionOf(raw.page(), "Recovery Authentication Code");
        raw.submit("kc-select-credential-form", Map.of("authenticationExecution", recoveryExecution));
        raw.submit(CODE_FORM, Map.of("recoveryCodeInput", codes.get(0)));
        assertTrue(raw.hasForm(SET_UP_FORM), () -> "the set-up of a new number: " + raw.page());
        raw.submit(SET_UP_FORM, Map.of("cancel-aia", "true"));
        assertFalse(raw.status() == 302, "no redirect to the client: " + raw.page());
        assertTrue(raw.hasForm(SET_UP_FORM), () -> "still the set-up of a new number: " + raw.page());
        // In a browser: no Cancel button on that page.
        oauth.loginForm().kcAction("configure-sms-otp").open();
        loginPage.fillLogin("aia-cancel", TestUsers.PASSWORD);
        loginPage.submit();
        codePage.assertCurrent();
        useRecoveryCode(codes.get(1));
        phonePage.assertCurrent();
        assertTrue(driver.driver().findElements(By.id("two-step-cancel")).isEmpty()
                        && driver.driver().findElements(By.name("cancel-aia")).isEmpty(),
                "no Cancel on the set-up a recovery code opened");

        assertEquals(1, credentials("aia-cancel", "sms-otp").size());
        assertTrue(credentials("aia-cancel", "sms-otp").get(0).getCredentialData().contains(oldNumber));
        assertEquals(0, realm.admin().users().get(TestUsers.id(realm.admin(), "aia-cancel")).getUserSessions()
                .size(), "no session");
    }

    /** @return the execution id behind a choice of Keycloak's "select authenticator" page (one form per choice) */
    private static String executionOf(String page, String label) {
        int at = page.indexOf(label);
        var ids = java.util.regex.Pattern.compile("name=\"authenticationExecution\" value=\"([^\"]+)\"")
                .matcher(at < 0 ? "" : page.substring(0, at));
        String last = null;
        while (ids.find()) {
            last = ids.group(1);
        }
        if (last == null) {
            throw new AssertionError("no choice '" + label + "' on the page: " + page);
        }
        return last;
    }

    /**
     * A login that spent a recovery code and stopped at the mandatory set-up leaves nothing to use: coming back in
     * the same browser starts a login, the password grant with the code in place of an app code is refused, and
     * "Remember this device?" was never offered.
     */
    @Test
    void aRecoveryLoginLeftAtTheSetUpLeavesNothingToUse() throws Exception {
        String number = TestUsers.newNumber();
        List<String> codes = TestUsers.newRecoveryCodes();
        TestUsers.withRecoveryCodes(realm.admin(), "left-at-setup", number, false, codes);
        passwordStep("left-at-setup");
        useRecoveryCode(codes.get(0));
        phonePage.assertCurrent();

        oauth.openLoginForm(); // the same browser, the same client, later
        assertNotLoggedIn();
        assertTrue("login-login".equals(driver.page().getCurrentPageId()) || phonePage.isCurrent(),
                driver.page().getCurrentPageId());
        assertEquals(0, realm.admin().users().get(TestUsers.id(realm.admin(), "left-at-setup")).getUserSessions()
                .size(), "no session");
        assertTrue(credentials("left-at-setup", "trusted-device").isEmpty(), "no remembered device");
        assertTrue(driver.cookies().getAll().stream().noneMatch(c -> c.getName().startsWith("KC_TWO_STEP_DEVICE_")),
                "no trust cookie");

        var grant = oauth.passwordGrantRequest("left-at-setup", TestUsers.PASSWORD).otp(codes.get(1)).send();
        assertNull(grant.getAccessToken(), "a recovery code is no app code in the password grant");
        assertEquals("invalid_grant", grant.getError());
    }

    /**
     * Wrong recovery codes are failures for Keycloak's brute-force detection (a locked user's right code is
     * refused), and a code of another user is a wrong code.
     */
    @Test
    void wrongRecoveryCodesLockTheAccountAndAnotherUsersCodeIsWrong() throws Exception {
        realm.updateWithCleanup(r -> {
            RealmBuilder updated = r.bruteForceProtected(true).failureFactor(3);
            updated.build().setQuickLoginCheckMilliSeconds(1L);
            return updated;
        });
        List<String> mine = TestUsers.newRecoveryCodes();
        List<String> theirs = TestUsers.newRecoveryCodes();
        TestUsers.withRecoveryCodes(realm.admin(), "guesser", TestUsers.newNumber(), false, mine);
        TestUsers.withRecoveryCodes(realm.admin(), "guessed", TestUsers.newNumber(), false, theirs);

        passwordStep("guesser");
        useRecoveryCode(theirs.get(0));
        RecoveryCodesPage form = new RecoveryCodesPage(driver);
        assertEquals(RecoveryCodesPage.INPUT, driver.page().getCurrentPageId(), "another user's code is refused");
        form.enter(theirs.get(1));
        form.enter(mine.get(5));
        assertEquals(Boolean.TRUE, realm.admin().attackDetection()
                .bruteForceUserStatus(TestUsers.id(realm.admin(), "guesser")).get("disabled"));
        form.enter(mine.get(0));
        assertEquals(RecoveryCodesPage.INPUT, driver.page().getCurrentPageId(), "locked: the right code is refused");
        assertNotLoggedIn();
        assertTrue(credentials("guessed", "recovery-authn-codes").get(0).getCredentialData().replace(" ", "")
                .contains("\"remainingCodes\":12"), "the other user's codes are untouched");
        realm.admin().attackDetection().clearBruteForceForUser(TestUsers.id(realm.admin(), "guesser"));
    }

    /**
     * The help-desk reset reaches users of its own realm only: another realm's path with this realm's user id finds
     * no user, and an admin of this realm is refused on another realm's path.
     */
    @Test
    void theResetStaysInItsRealm() throws Exception {
        TestUsers.withBoundNumber(realm.admin(), "realm-bound", TestUsers.newNumber());
        String id = TestUsers.id(realm.admin(), "realm-bound");
        String master = "../master/two-step/users/" + id + "/reset";
        HttpResponse<String> otherRealm = adminCall("POST", master, null, adminToken(), "application/json");
        assertEquals(404, otherRealm.statusCode(), otherRealm.body());

        TestUsers.plain(realm.admin(), "local-help-desk");
        var realmManagement = realm.admin().clients().findByClientId("realm-management").get(0);
        var manageUsers = realm.admin().clients().get(realmManagement.getId()).roles().get("manage-users")
                .toRepresentation();
        realm.admin().users().get(TestUsers.id(realm.admin(), "local-help-desk")).roles()
                .clientLevel(realmManagement.getId()).add(List.of(manageUsers));
        String localToken = oauth.doPasswordGrantRequest("local-help-desk", TestUsers.PASSWORD).getAccessToken();
        String masterAdminId = "does-not-matter";
        HttpResponse<String> intoMaster = adminCall("POST", "../master/two-step/users/" + masterAdminId + "/reset",
                null, localToken, "application/json");
        assertTrue(intoMaster.statusCode() == 401 || intoMaster.statusCode() == 403,
                intoMaster.statusCode() + " " + intoMaster.body());
        assertEquals(1, credentials("realm-bound", "sms-otp").size(), "nothing removed");
    }

    /**
     * Whoever changes the account's e-mail address first (in the Account Console, which needs no second step) would
     * receive every later notice: the change itself is told to the address it replaced, with the new one masked.
     */
    @Test
    void anEmailChangeIsToldToTheAddressItReplaced() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "mail-moved", number);
        passwordStep("mail-moved");
        codePage.enterCode(vonage.last(number).code());
        declineDeviceOffer();
        assertLoggedIn();
        String token = oauth.doAccessTokenRequest(oauth.parseLoginResponse().getCode()).getAccessToken();
        String profile = "{\"username\":\"mail-moved\",\"firstName\":\"Test\",\"lastName\":\"mail-moved\","
                + "\"email\":\"taken-over@example.net\"}";
        HttpResponse<String> changed = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                        .newBuilder(java.net.URI.create(realm.getBaseUrl() + "/account/"))
                        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                        .header("Accept", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(profile)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, changed.statusCode(), changed.body());

        var notice = new Mailbox(mail).await("mail-moved@example.org", "the e-mail address of your account was changed");
        String text = Mailbox.text(notice);
        assertTrue(text.contains("from this address to t•••@example.net"), text);
        assertFalse(text.contains("taken-over") || Mailbox.html(notice).contains("taken-over"),
                "the new address is masked: " + text);
        assertEquals(0, new Mailbox(mail).to("taken-over@example.net").size(), "nothing to the new address");
    }

    /**
     * The help-desk reset also ends what an app on the lost phone holds: an offline token issued before the reset
     * is refused at its next refresh (Keycloak's "not before" of the user).
     */
    @Test
    void anOfflineTokenFromBeforeTheResetIsRefused() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "offline-phone", number);
        String offline;
        try {
            oauth.scope("openid offline_access");
            passwordStep("offline-phone");
            codePage.enterCode(vonage.last(number).code());
            declineDeviceOffer();
            assertLoggedIn();
            offline = oauth.doAccessTokenRequest(oauth.parseLoginResponse().getCode()).getRefreshToken();
        } finally {
            oauth.scope("openid");
        }
        assertEquals("Offline", oauth.parseRefreshToken(offline).getType(), "an offline token");
        String id = TestUsers.id(realm.admin(), "offline-phone");
        Thread.sleep(1100); // "not before" counts whole seconds
        assertEquals(200, adminCall("POST", "two-step/users/" + id + "/reset", null, adminToken(),
                "application/json").statusCode());
        var refreshed = oauth.doRefreshTokenRequest(offline);
        assertNull(refreshed.getAccessToken(), "the lost phone's app gets no new token");
        assertEquals("invalid_grant", refreshed.getError());
    }

    /**
     * With the policy on and method {@code otp}, a recovery code still lets a user who lost the phone in, but only
     * on to the authenticator app's set-up: not to the SMS page, and not into the application.
     */
    @Test
    void underMethodOtpARecoveryCodeLeadsToTheAppsSetUpOnly() throws Exception {
        List<String> codes = TestUsers.newRecoveryCodes();
        TestUsers.withRecoveryCodes(realm.admin(), "otp-only", TestUsers.newNumber(), true, codes);
        String token = adminToken();
        try {
            HttpResponse<String> on = adminCall("PUT", "two-step", "{\"required\":true,\"method\":\"otp\"}", token,
                    "application/json");
            assertEquals(200, on.statusCode(), on.body());
            passwordStep("otp-only");
            useRecoveryCode(codes.get(0));
            assertEquals("login-login-config-totp", driver.page().getCurrentPageId(), "the app's set-up");
            assertTrue(driver.driver().findElements(By.id("two-step-cancel")).isEmpty()
                    && driver.driver().findElements(By.name("cancel-aia")).isEmpty(), "no way out of the set-up");
            assertNotLoggedIn();
        } finally {
            adminCall("PUT", "two-step", "{\"required\":false,\"method\":\"any\"}", adminToken(), "application/json");
        }
    }
}
