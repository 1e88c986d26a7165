package io.twostep.keycloak.it;

import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.models.utils.TimeBasedOTP;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.RequiredActionConfigRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A session whose second step a remembered device skipped holds the password only: on the demo realm, with the
 * policy off and on, it can add, change or remove no second factor and no remembered device, through the Account
 * REST API, application-initiated actions (the Account Console's set-up and delete links) or a set-up action put on
 * the user, until the user passes the current second step. Each attack ends with the control: after the second
 * step the same change works.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class RememberedDeviceFactorChangeTest extends AbstractJourneyTest {

    private static final String COOKIE_PREFIX = "KC_TWO_STEP_DEVICE_";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /**
     * Application-initiated set-up actions and the page each shows once allowed. The demo realm asks for a fresh
     * login for some of them at once; these journeys give every one Keycloak's default (a login less than 300
     * seconds old is enough), which is also what an action started in the same second as the login meets.
     */
    private static final Map<String, String> SET_UP_ACTIONS = new LinkedHashMap<>();

    static {
        SET_UP_ACTIONS.put("CONFIGURE_TOTP", "login-login-config-totp");
        SET_UP_ACTIONS.put("webauthn-register", "login-webauthn-register");
        SET_UP_ACTIONS.put("webauthn-register-passwordless", "login-webauthn-register");
        SET_UP_ACTIONS.put("CONFIGURE_RECOVERY_AUTHN_CODES", "login-login-recovery-authn-code-config");
        SET_UP_ACTIONS.put("configure-sms-otp", "login-configure-sms-otp");
        SET_UP_ACTIONS.put("forget-trusted-devices", "login-forget-trusted-devices");
    }

    private String smsUser(String name) {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), name, number);
        return number;
    }

    /** Password, SMS code, "Remember this device" ticked: this browser now skips the code. */
    private void rememberThisBrowser(String username, String number) {
        passwordStep(username);
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(number).code());
        rememberDevice();
        driver.waiting().waitForOAuthCallback();
    }

    /** Ends the Keycloak session in this browser but keeps its trust cookies, as closing the browser would. */
    private void logOutKeepingTrust() {
        driver.open(realm.getBaseUrl() + "/protocol/openid-connect/logout");
        Set<Cookie> kept = driver.cookies().getAll().stream().filter(c -> c.getName().startsWith(COOKIE_PREFIX))
                .collect(Collectors.toSet());
        assertFalse(kept.isEmpty(), "this browser was remembered");
        driver.cookies().deleteAll();
        kept.forEach(driver.cookies()::add);
    }

    /** Password only: the remembered device skips the second step (no SMS sent). */
    private void skippedLogin(String username, String number) {
        int sent = vonage.to(number).size();
        passwordStep(username);
        driver.waiting().waitForOAuthCallback();
        assertNotNull(oauth.parseLoginResponse().getCode());
        assertEquals(sent, vonage.to(number).size(), "the remembered device skipped the code");
    }

    private String token() {
        return oauth.doAccessTokenRequest(oauth.parseLoginResponse().getCode()).getAccessToken();
    }

    private HttpResponse<String> deleteByAccountRest(String credentialId, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(realm.getBaseUrl() + "/account/credentials/" + credentialId))
                .header("Authorization", "Bearer " + token).header("Accept", "application/json")
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<CredentialRepresentation> credentials(String username, String type) {
        return realm.admin().users().get(TestUsers.id(realm.admin(), username)).credentials().stream()
                .filter(c -> type.equals(c.getType())).toList();
    }

    private String credentialId(String username, String type) {
        List<CredentialRepresentation> found = credentials(username, type);
        assertEquals(1, found.size(), type + " credentials of " + username);
        return found.get(0).getId();
    }

    private void policy(String json) throws Exception {
        assertEquals(200, adminCall("PUT", "two-step", json, adminToken(), "application/json").statusCode());
    }

    /**
     * Gives the actions for which the demo realm asks a fresh login at once Keycloak's default maximum age of
     * authentication (300 s) for the journey; recovery codes and forget-trusted-devices have it already.
     */
    private Map<String, Map<String, String>> defaultMaxAuthAge() {
        Map<String, Map<String, String>> original = new HashMap<>();
        for (String alias : List.of("CONFIGURE_TOTP", "webauthn-register", "webauthn-register-passwordless",
                "delete_credential", "configure-sms-otp")) {
            RequiredActionConfigRepresentation config = realm.admin().flows().getRequiredActionConfig(alias);
            Map<String, String> values = config.getConfig() == null ? new HashMap<>() : new HashMap<>(config.getConfig());
            original.put(alias, Map.copyOf(values));
            values.put("max_auth_age", "300");
            config.setConfig(values);
            realm.admin().flows().updateRequiredActionConfig(alias, config);
        }
        return original;
    }

    private void restore(Map<String, Map<String, String>> original) {
        original.forEach((alias, values) -> {
            RequiredActionConfigRepresentation config = realm.admin().flows().getRequiredActionConfig(alias);
            config.setConfig(values);
            realm.admin().flows().updateRequiredActionConfig(alias, config);
        });
    }

    /** After a skip, an account action must first ask for the password again, then for the current second step. */
    private void assertReauthenticationWithTheSecondStep(String action, String number) {
        assertEquals("login-login", driver.page().getCurrentPageId(),
                action + " after a skipped second step must sign in again first, not show its page");
        loginPage.fillPassword(TestUsers.PASSWORD);
        loginPage.submit();
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(number).code());
    }

    /** The attack of the issue: with the password and a remembered browser, DELETE the SMS factor, policy off and on. */
    @Test
    void accountRestDeleteIsRefusedAfterASkipWithThePolicyOffAndOn() throws Exception {
        int round = 0;
        try {
            for (String json : List.of("{\"required\":false}", "{\"required\":true,\"method\":\"sms\"}")) {
                policy(json);
                String username = "fc-rest-" + round++;
                String number = smsUser(username);
                rememberThisBrowser(username, number);
                logOutKeepingTrust();
                skippedLogin(username, number);
                String token = token();
                for (String type : List.of("sms-otp", "trusted-device")) {
                    String id = credentialId(username, type);
                    HttpResponse<String> refused = deleteByAccountRest(id, token);
                    assertEquals(403, refused.statusCode(), json + " " + type + ": " + refused.body());
                    assertEquals(1, credentials(username, type).size(), type + " is still there");
                }

                // Control: after the second step, the same request removes the factor.
                startOver();
                passwordStep(username);
                codePage.enterCode(vonage.last(number).code());
                declineDeviceOffer();
                assertLoggedIn();
                HttpResponse<String> removed = deleteByAccountRest(credentialId(username, "sms-otp"), token());
                assertEquals(204, removed.statusCode(), removed.body());
                assertTrue(credentials(username, "sms-otp").isEmpty());
                startOver();
            }
        } finally {
            policy("{\"required\":false,\"method\":\"any\"}");
        }
    }

    /** The authenticator app too: a user with app and SMS, remembered after the app. */
    @Test
    void accountRestCannotDeleteTheAppAfterASkip() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumberAndTotp(realm.admin(), "fc-rest-app", number);
        passwordStep("fc-rest-app");
        if ("login-login-otp".equals(driver.page().getCurrentPageId())) {
            driver.findElement(By.id("otp")).sendKeys(new TimeBasedOTP().generateTOTP(TestUsers.TOTP_SECRET));
            driver.findElement(By.id("kc-login")).click();
        } else {
            codePage.enterCode(vonage.last(number).code());
        }
        rememberDevice();
        driver.waiting().waitForOAuthCallback();
        logOutKeepingTrust();
        skippedLogin("fc-rest-app", number);
        HttpResponse<String> refused = deleteByAccountRest(credentialId("fc-rest-app", "otp"), token());
        assertEquals(403, refused.statusCode(), refused.body());
        assertEquals(1, credentials("fc-rest-app", "otp").size());
    }

    /** Security keys, passkeys and recovery codes: each refused after a skip, each removable after the code. */
    @Test
    void accountRestCannotDeleteKeysPasskeysOrRecoveryCodesAfterASkip() throws Exception {
        Map<String, String[]> stored = new LinkedHashMap<>(); // type -> credential data, secret data
        stored.put("webauthn", new String[] {"{\"aaguid\":\"00000000-0000-0000-0000-000000000000\","
                + "\"credentialId\":\"AAAA\",\"counter\":0,\"attestationStatementFormat\":\"none\"}", "{}"});
        stored.put("webauthn-passwordless", stored.get("webauthn"));
        stored.put("recovery-authn-codes", new String[] {"{\"hashIterations\":-1,\"algorithm\":\"RS512\","
                + "\"totalCodes\":1,\"remainingCodes\":1}", "{\"codes\":[{\"number\":1,\"encodedHashedValue\":\"x\"}]}"});
        List<String> open = new ArrayList<>();
        for (Map.Entry<String, String[]> type : stored.entrySet()) {
            String username = "fc-rest-" + type.getKey();
            CredentialRepresentation extra = new CredentialRepresentation();
            extra.setType(type.getKey());
            extra.setUserLabel("imported " + type.getKey());
            extra.setCredentialData(type.getValue()[0]);
            extra.setSecretData(type.getValue()[1]);
            String number = TestUsers.newNumber();
            TestUsers.withBoundNumberAndCredential(realm.admin(), username, number, extra);
            startOver();
            rememberThisBrowser(username, number);
            logOutKeepingTrust();
            skippedLogin(username, number);
            String id = credentialId(username, type.getKey());
            HttpResponse<String> refused = deleteByAccountRest(id, token());
            if (refused.statusCode() != 403 || credentials(username, type.getKey()).isEmpty()) {
                open.add(type.getKey() + " answered " + refused.statusCode());
                continue;
            }
            // Control: after the code, the same request removes it.
            startOver();
            passwordStep(username);
            codePage.enterCode(vonage.last(number).code());
            declineDeviceOffer();
            assertLoggedIn();
            assertEquals(204, deleteByAccountRest(id, token()).statusCode(), type.getKey());
            assertTrue(credentials(username, type.getKey()).isEmpty(), type.getKey());
        }
        assertEquals(List.of(), open, "credential types a skipped session removed");
    }

    /**
     * The demo realm as shipped asks a fresh login for the app set-up at once (maximum age 0), which Keycloak
     * counts in whole seconds: an action started in the second of a skipped login must still need the code.
     */
    @Test
    void anActionStartedInTheSecondOfTheLoginNeedsTheSecondStep() {
        String number = smsUser("fc-same-second");
        rememberThisBrowser("fc-same-second", number);
        logOutKeepingTrust();
        skippedLogin("fc-same-second", number);
        oauth.loginForm().kcAction("CONFIGURE_TOTP").open(); // at once: usually the same second
        assertReauthenticationWithTheSecondStep("CONFIGURE_TOTP", number);
        assertEquals("login-login-config-totp", driver.page().getCurrentPageId());
    }

    /**
     * Every set-up action and the Account Console's delete, started right after a skipped login (within the
     * maximum age of authentication, as one started in the same second always is): Keycloak asks to sign in again,
     * the remembered device skips nothing, and only after the code does the action's page show.
     */
    @Test
    void applicationInitiatedActionsAfterASkipNeedTheSecondStep() throws Exception {
        String number = smsUser("fc-aia");
        rememberThisBrowser("fc-aia", number);
        Map<String, Map<String, String>> original = defaultMaxAuthAge();
        try {
            List<String> open = new ArrayList<>(); // every action that shows its page at once, not only the first
            for (Map.Entry<String, String> action : SET_UP_ACTIONS.entrySet()) {
                logOutKeepingTrust();
                skippedLogin("fc-aia", number);
                oauth.loginForm().kcAction(action.getKey()).open();
                String page = driver.page().getCurrentPageId();
                if (!"login-login".equals(page)) {
                    open.add(action.getKey() + " showed " + page);
                    continue;
                }
                assertReauthenticationWithTheSecondStep(action.getKey(), number);
                assertEquals(action.getValue(), driver.page().getCurrentPageId(), action.getKey());
            }
            assertEquals(List.of(), open, "set-up actions a skipped session reached without the second step");

            // The Account Console's Delete, for the SMS factor and for the remembered device.
            for (String type : List.of("trusted-device", "sms-otp")) {
                String id = credentialId("fc-aia", type);
                logOutKeepingTrust();
                skippedLogin("fc-aia", number);
                oauth.loginForm().kcAction("delete_credential:" + id).open();
                assertReauthenticationWithTheSecondStep("delete_credential", number);
                assertEquals("login-delete-credential", driver.page().getCurrentPageId());
                driver.findElement(By.id("kc-accept")).click();
                driver.waiting().waitForOAuthCallback();
                assertTrue(credentials("fc-aia", type).isEmpty(), type + " removed after the second step");
                if (type.equals("trusted-device")) {
                    startOver();
                    rememberThisBrowser("fc-aia", number);
                }
            }
        } finally {
            restore(original);
        }
    }

    /** With the policy on, the attacker's goal: delete the SMS factor, then enrol their own number. */
    @Test
    void deleteActionAfterASkipNeedsTheSecondStepWithThePolicyOn() throws Exception {
        String number = smsUser("fc-aia-policy");
        rememberThisBrowser("fc-aia-policy", number);
        Map<String, Map<String, String>> original = defaultMaxAuthAge();
        try {
            policy("{\"required\":true,\"method\":\"sms\"}");
            logOutKeepingTrust();
            skippedLogin("fc-aia-policy", number);
            oauth.loginForm().kcAction("delete_credential:" + credentialId("fc-aia-policy", "sms-otp")).open();
            assertReauthenticationWithTheSecondStep("delete_credential", number);
            assertEquals("login-delete-credential", driver.page().getCurrentPageId());
        } finally {
            policy("{\"required\":false,\"method\":\"any\"}");
            restore(original);
        }
    }

    /** A set-up action an admin puts on the user meets a session that skipped the second step: refused. */
    @Test
    void aSetUpActionPutOnTheUserIsRefusedInASkippedSession() {
        String number = smsUser("fc-required");
        rememberThisBrowser("fc-required", number);
        logOutKeepingTrust();
        skippedLogin("fc-required", number);
        var user = realm.admin().users().get(TestUsers.id(realm.admin(), "fc-required"));
        UserRepresentation rep = user.toRepresentation();
        rep.setRequiredActions(List.of("CONFIGURE_TOTP"));
        user.update(rep);

        oauth.openLoginForm(); // the same browser session, by its SSO cookie
        assertEquals("login-error", driver.page().getCurrentPageId(), "not the app set-up page");
        assertTrue(driver.driver().getPageSource().contains("confirm it is you with your current second step"),
                driver.driver().getPageSource());
        assertTrue(credentials("fc-required", "otp").isEmpty());

        // Control: a new login runs the code first (a set-up waits), then the set-up.
        startOver();
        passwordStep("fc-required");
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(number).code());
        assertEquals("login-login-config-totp", driver.page().getCurrentPageId());
    }

    /** Control: a session that passed the second step sets up a factor without signing in again. */
    @Test
    void afterTheSecondStepASetUpNeedsNoNewLogin() {
        String number = smsUser("fc-control");
        Map<String, Map<String, String>> original = defaultMaxAuthAge();
        try {
            passwordStep("fc-control");
            codePage.enterCode(vonage.last(number).code());
            declineDeviceOffer();
            assertLoggedIn();
            oauth.loginForm().kcAction("CONFIGURE_TOTP").open();
            assertEquals("login-login-config-totp", driver.page().getCurrentPageId());
        } finally {
            restore(original);
        }
    }
}
