package io.twostep.keycloak.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.twostep.keycloak.support.DemoRealmCopy;
import io.twostep.keycloak.support.IssuedSecrets;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TrustedDeviceOfferPage;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.htmlunit.WebClient;
import org.htmlunit.WebConnection;
import org.htmlunit.WebRequest;
import org.htmlunit.WebResponse;
import org.htmlunit.util.WebConnectionWrapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.models.utils.TimeBasedOTP;
import org.keycloak.representations.idm.AuthenticationExecutionInfoRepresentation;
import org.keycloak.representations.idm.AuthenticatorConfigRepresentation;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.ProtocolMapperRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.oauth.OAuthClient;
import org.keycloak.testframework.oauth.annotations.InjectOAuthClient;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.remote.timeoffset.InjectTimeOffSet;
import org.keycloak.testframework.remote.timeoffset.TimeOffSet;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.htmlunit.HtmlUnitDriver;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Remember this device" on a real Keycloak with a real browser session: the offer after the second step, the
 * skip, and every way trust must end or be refused (docs/security.md S18–S25).
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class TrustedDeviceJourneyTest extends AbstractJourneyTest {

    static final String COOKIE_PREFIX = "KC_TWO_STEP_DEVICE_";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @InjectTimeOffSet
    TimeOffSet timeOffSet;

    @InjectRealm(ref = "copy", config = DemoRealmCopy.class)
    ManagedRealm copy;

    @InjectOAuthClient(ref = "copy", realmRef = "copy")
    OAuthClient copyOauth;

    TrustedDeviceOfferPage offerPage;

    @BeforeEach
    void offerPage() {
        offerPage = new TrustedDeviceOfferPage(driver);
    }

    /** Strict here: logged in without any further page, the offer included. */
    @Override
    void assertLoggedIn() {
        driver.waiting().waitForOAuthCallback();
        assertNotNull(oauth.parseLoginResponse().getCode(), "expected an authorization code at the client");
    }

    private String smsUser(String name) {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), name, number);
        return number;
    }

    /** Password, SMS code, then the offer answered. */
    private void loginWithCode(String username, String number, boolean remember) {
        passwordStep(username);
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(number).code());
        offerPage.assertCurrent();
        offerPage.answer(remember);
        assertLoggedIn();
    }

    /** Ends the Keycloak session in this browser but keeps its trust cookies, as closing the browser would. */
    private void logOutKeepingTrust() {
        driver.open(realm.getBaseUrl() + "/protocol/openid-connect/logout");
        Set<Cookie> kept = trustCookies();
        driver.cookies().deleteAll();
        assertTrue(driver.cookies().getAll().isEmpty());
        kept.forEach(driver.cookies()::add);
    }

    /** @return the trust cookies this browser holds for the realm (read on a realm page, where they are visible) */
    private Set<Cookie> trustCookies() {
        driver.open(realm.getBaseUrl() + "/protocol/openid-connect/logout");
        Set<Cookie> found = driver.cookies().getAll().stream().filter(c -> c.getName().startsWith(COOKIE_PREFIX))
                .collect(Collectors.toSet());
        found.forEach(c -> recordForTheLogScan(c.getValue()));
        return found;
    }

    /** Adds a cookie's secret to the list {@code ServerLogHygieneTest} looks for in the server log. */
    private static void recordForTheLogScan(String cookieValue) {
        IssuedSecrets.text(cookieValue.substring(cookieValue.indexOf('.') + 1));
    }

    private void assertSkipsTheCode(String username, String number) {
        int sent = vonage.to(number).size();
        passwordStep(username);
        super.assertLoggedIn(); // no offer
        assertEquals(sent, vonage.to(number).size(), "no SMS for a remembered device");
    }

    private void assertAsksForTheCode(String username) {
        passwordStep(username);
        codePage.assertCurrent();
    }

    private List<CredentialRepresentation> devices(String username) {
        return realm.admin().users().get(TestUsers.id(realm.admin(), username)).credentials().stream()
                .filter(c -> "trusted-device".equals(c.getType())).toList();
    }

    private List<EventRepresentation> userEvents(String username, String type) {
        return realm.admin().getEvents(List.of(type), null, TestUsers.id(realm.admin(), username),
                        null, null, null, 0, 100).stream().filter(e -> e.getDetails() != null).toList();
    }

    private List<EventRepresentation> refusals(String username) {
        return realm.admin().getEvents(List.of("LOGIN_ERROR"), null, TestUsers.id(realm.admin(), username),
                        null, null, null, 0, 100).stream()
                .filter(e -> "trusted_device_refused".equals(e.getError())).toList();
    }

    /** The cookie name the server gives this user in this realm (the scheme is no secret). */
    static String cookieName(String realmId, String userId) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest((realmId + "/" + userId).getBytes(StandardCharsets.UTF_8));
        return COOKIE_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22);
    }

    /** Runs a browser action and returns every {@code Set-Cookie} header the browser received meanwhile. */
    private List<String> setCookieHeaders(Runnable action) {
        WebClient client = ((HtmlUnitDriver) driver.driver()).getWebClient();
        WebConnection original = client.getWebConnection();
        List<String> seen = new CopyOnWriteArrayList<>();
        new WebConnectionWrapper(client) {
            @Override
            public WebResponse getResponse(WebRequest request) throws IOException {
                WebResponse response = super.getResponse(request);
                response.getResponseHeaders().stream().filter(h -> "Set-Cookie".equalsIgnoreCase(h.getName()))
                        .forEach(h -> seen.add(h.getValue()));
                return response;
            }
        };
        try {
            action.run();
        } finally {
            client.setWebConnection(original);
        }
        return seen;
    }

    @Test
    void rememberedDeviceSkipsTheCodeWithTheCookieAttributesOfS19() throws Exception {
        String number = smsUser("td-remember");
        passwordStep("td-remember");
        codePage.enterCode(vonage.last(number).code());

        offerPage.assertCurrent();
        assertFalse(offerPage.box().isSelected(), "unticked by default (S25)");
        assertEquals("Remember this device for 90 days", offerPage.label());
        assertTrue(offerPage.warning().contains("shared or public computer"), offerPage.warning());

        List<String> headers = setCookieHeaders(() -> offerPage.answer(true));
        assertLoggedIn();
        String ours = headers.stream().filter(h -> h.startsWith(COOKIE_PREFIX)).findFirst()
                .orElseThrow(() -> new AssertionError("no trust cookie set: " + headers));
        String identity = headers.stream().filter(h -> h.startsWith("KEYCLOAK_IDENTITY=")).findFirst().orElseThrow();
        String userId = TestUsers.id(realm.admin(), "td-remember");
        String realmId = realm.admin().toRepresentation().getId();
        assertTrue(ours.startsWith(cookieName(realmId, userId) + "="), ours);
        assertTrue(ours.contains(";HttpOnly") || ours.contains("; HttpOnly"), ours);
        assertTrue(ours.matches("(?i).*;\\s*SameSite=Strict.*"), ours);
        assertTrue(ours.contains("Path=/realms/" + realm.getName() + "/"), ours);
        assertTrue(ours.contains("Max-Age=7776000"), "90 days: " + ours);
        assertEquals(identity.contains("Secure"), ours.contains("Secure"),
                "Secure follows Keycloak's own rule for its cookies: " + ours + " / " + identity);
        String value = ours.substring(ours.indexOf('=') + 1, ours.indexOf(';'));
        String secret = value.substring(value.indexOf('.') + 1);
        recordForTheLogScan(value);
        assertEquals(32, Base64.getUrlDecoder().decode(secret).length, "256 random bits, as the README promises");

        List<CredentialRepresentation> devices = devices("td-remember");
        assertEquals(1, devices.size());
        CredentialRepresentation device = devices.get(0);
        // The label's date is the server's day of creation (UTC), whatever the test machine's clock says by now.
        assertTrue(device.getUserLabel().endsWith(", " + LocalDate.ofInstant(
                Instant.ofEpochMilli(device.getCreatedDate()), ZoneOffset.UTC)), device.getUserLabel());
        assertTrue(device.getUserLabel().contains(" on "), device.getUserLabel());
        JsonNode listed = JSON.readTree(adminCall("GET", "two-step/users/" + userId + "/trusted-devices", null,
                adminToken(), "application/json").body());
        assertEquals(1, listed.size());
        assertEquals(90L * 86_400_000L, listed.get(0).path("expiresAt").asLong() - listed.get(0).path("createdAt").asLong());
        assertFalse(listed.toString().contains(secret), "the secret is never stored or shown");

        logOutKeepingTrust();
        assertSkipsTheCode("td-remember", number);
        assertEquals(1, devices("td-remember").size(), "no new offer after a skip");
    }

    /**
     * The offer follows a second step only. With the policy on, the offer step is reached by users who postpone
     * their enrolment and by users who enrol now (their set-up runs after the flow): neither is offered.
     */
    @Test
    void noOfferWhereNoSecondStepRan() throws Exception {
        String token = adminToken();
        try {
            assertEquals(200, adminCall("PUT", "two-step", "{\"required\":true,\"method\":\"any\","
                    + "\"enrolmentGraceDays\":7}", token, "application/json").statusCode());
            TestUsers.plain(realm.admin(), "td-later");
            passwordStep("td-later");
            assertEquals("login-two-step-enrolment", driver.page().getCurrentPageId());
            driver.findElement(By.id("two-step-set-up-later")).click();
            super.assertLoggedIn(); // no offer; a first set-up may show the recovery codes

            startOver();
            assertEquals(200, adminCall("PUT", "two-step", "{\"enrolmentGraceDays\":0}", token, "application/json")
                    .statusCode());
            TestUsers.plain(realm.admin(), "td-enrolling");
            String number = TestUsers.newNumber();
            passwordStep("td-enrolling");
            phonePage.submitNumber(number);
            codePage.enterCode(vonage.last(number).code());
            super.assertLoggedIn(); // no offer; a first set-up may show the recovery codes
        } finally {
            adminCall("PUT", "two-step", "{\"required\":false,\"method\":\"any\",\"enrolmentGraceDays\":0}",
                    token, "application/json");
        }
        assertTrue(devices("td-later").isEmpty());
        assertTrue(devices("td-enrolling").isEmpty());
    }

    @Test
    void notTickedAsksAgain() {
        String number = smsUser("td-not-ticked");
        loginWithCode("td-not-ticked", number, false);
        assertTrue(devices("td-not-ticked").isEmpty());
        assertTrue(trustCookies().isEmpty());
        logOutKeepingTrust();
        assertAsksForTheCode("td-not-ticked");
    }

    @Test
    void worksAfterTheAuthenticatorAppToo() {
        TestUsers.withBoundNumberAndTotp(realm.admin(), "td-app", TestUsers.newNumber());
        var user = realm.admin().users().get(TestUsers.id(realm.admin(), "td-app"));
        user.credentials().stream().filter(c -> "sms-otp".equals(c.getType()))
                .forEach(c -> user.removeCredential(c.getId()));
        passwordStep("td-app");
        assertEquals("login-login-otp", driver.page().getCurrentPageId());
        driver.findElement(By.id("otp")).sendKeys(new TimeBasedOTP().generateTOTP(TestUsers.TOTP_SECRET));
        driver.findElement(By.id("kc-login")).click();
        offerPage.assertCurrent();
        offerPage.answer(true);
        assertLoggedIn();
        logOutKeepingTrust();
        passwordStep("td-app");
        assertLoggedIn();
    }

    /**
     * A lifetime of 0 turns the feature off: no offer, existing trust ignored but kept (the login event says why),
     * and raising the lifetime again restores it: the same cookie skips the code once more.
     */
    @Test
    void realmSetToZeroDaysIgnoresTrustOffersNothingAndRestoresItWhenRaised() throws Exception {
        String number = smsUser("td-zero");
        loginWithCode("td-zero", number, true);
        logOutKeepingTrust();
        String token = adminToken();
        try {
            assertEquals(200, adminCall("PUT", "two-step", "{\"trustedDeviceDays\": 0}", token, "application/json")
                    .statusCode());
            assertAsksForTheCode("td-zero");
            codePage.enterCode(vonage.last(number).code());
            assertLoggedIn(); // no offer page
            assertEquals(1, devices("td-zero").size(), "kept, only ignored, while the feature is off");
            List<EventRepresentation> logins = userEvents("td-zero", "LOGIN");
            assertTrue(logins.stream().anyMatch(e -> "feature_off".equals(e.getDetails().get("trusted_device_not_applied"))),
                    () -> "trusted_device_not_applied=feature_off in " + logins.stream().map(e -> e.getDetails()).toList());

            assertEquals(200, adminCall("PUT", "two-step", "{\"trustedDeviceDays\": 90}", token, "application/json")
                    .statusCode());
            logOutKeepingTrust();
            assertSkipsTheCode("td-zero", number); // the same cookie, trusted again
        } finally {
            adminCall("PUT", "two-step", "{\"trustedDeviceDays\": 90}", token, "application/json");
        }
    }

    /** Adding a second factor (here the app, set up by the user) ends trust given before it. */
    @Test
    void addingASecondFactorEndsTrust() {
        String number = smsUser("td-factor-added");
        loginWithCode("td-factor-added", number, true);
        logOutKeepingTrust();
        assertSkipsTheCode("td-factor-added", number); // control: before the change, this browser skips the code

        logOutKeepingTrust();
        oauth.loginForm().kcAction("CONFIGURE_TOTP").open();
        loginPage.fillLogin("td-factor-added", TestUsers.PASSWORD);
        loginPage.submit();
        codePage.assertCurrent(); // an account action never skips the second step
        codePage.enterCode(vonage.last(number).code());
        assertEquals("login-login-config-totp", driver.page().getCurrentPageId());
        String secret = driver.findElement(By.id("totpSecret")).getAttribute("value");
        IssuedSecrets.text(secret); // the log scan looks for it too
        driver.findElement(By.id("totp")).sendKeys(new TimeBasedOTP().generateTOTP(secret));
        driver.findElement(By.id("saveTOTPBtn")).click();
        driver.waiting().waitForOAuthCallback();
        assertEquals(1, realm.admin().users().get(TestUsers.id(realm.admin(), "td-factor-added")).credentials()
                .stream().filter(c -> "otp".equals(c.getType())).count(), "the app was added");

        logOutKeepingTrust();
        passwordStep("td-factor-added");
        assertSecondStepAsked();
        assertEquals("factors_changed", refusals("td-factor-added").get(0).getDetails().get("reason"));
        assertTrue(devices("td-factor-added").isEmpty(), "the void record is removed");
        assertTrue(trustCookies().isEmpty(), "and its cookie expired");
    }

    /** Removing a second factor (here an admin removes the app of a user with app and SMS) ends trust too. */
    @Test
    void removingASecondFactorEndsTrust() {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumberAndTotp(realm.admin(), "td-factor-removed", number);
        passwordStep("td-factor-removed");
        if ("login-login-otp".equals(driver.page().getCurrentPageId())) {
            driver.findElement(By.id("otp")).sendKeys(new TimeBasedOTP().generateTOTP(TestUsers.TOTP_SECRET));
            driver.findElement(By.id("kc-login")).click();
        } else {
            codePage.enterCode(vonage.last(number).code());
        }
        offerPage.assertCurrent();
        offerPage.answer(true);
        assertLoggedIn();
        logOutKeepingTrust();
        assertSkipsTheCode("td-factor-removed", number); // control: before the change, this browser skips it

        var user = realm.admin().users().get(TestUsers.id(realm.admin(), "td-factor-removed"));
        user.credentials().stream().filter(c -> "otp".equals(c.getType()))
                .forEach(c -> user.removeCredential(c.getId()));
        logOutKeepingTrust();
        assertAsksForTheCode("td-factor-removed");
        assertEquals("factors_changed", refusals("td-factor-removed").get(0).getDetails().get("reason"));
        assertTrue(devices("td-factor-removed").isEmpty(), "the void record is removed");
    }

    /** Not logged in, and on one of the second step's pages (the SMS code or the app's code). */
    private void assertSecondStepAsked() {
        assertNotLoggedIn();
        String page = driver.page().getCurrentPageId();
        assertTrue(Set.of("login-sms-otp-form", "login-login-otp").contains(page), "second step expected, got " + page);
    }

    @Test
    void tamperedOrMalformedCookieRunsTheSecondStepWithAnEvent() {
        String number = smsUser("td-tamper");
        loginWithCode("td-tamper", number, true);
        logOutKeepingTrust();
        Cookie real = trustCookies().iterator().next();
        String value = real.getValue();
        char last = value.charAt(value.length() - 1);
        String tampered = value.substring(0, value.length() - 1) + (last == 'A' ? 'B' : 'A');
        driver.cookies().add(new Cookie.Builder(real.getName(), tampered).path(real.getPath()).isHttpOnly(true).build());

        assertAsksForTheCode("td-tamper");
        assertEquals("wrong_secret", refusals("td-tamper").get(0).getDetails().get("reason"));
        assertTrue(trustCookies().isEmpty(), "the refused cookie is expired in the browser");
        assertEquals(1, devices("td-tamper").size(), "a wrong guess does not end the real device's trust");

        startOver();
        driver.cookies().add(new Cookie.Builder(real.getName(), "not-a-token").path(real.getPath()).build());
        assertAsksForTheCode("td-tamper");
        assertTrue(refusals("td-tamper").stream().anyMatch(e -> "malformed".equals(e.getDetails().get("reason"))));
    }

    @Test
    void cookieCopiedToAnotherUserSkipsNothing() throws Exception {
        String number = smsUser("td-owner");
        smsUser("td-borrower");
        loginWithCode("td-owner", number, true);
        logOutKeepingTrust();
        Cookie owners = trustCookies().iterator().next();
        String borrowerName = cookieName(realm.admin().toRepresentation().getId(),
                TestUsers.id(realm.admin(), "td-borrower"));
        driver.cookies().add(new Cookie.Builder(borrowerName, owners.getValue()).path(owners.getPath()).build());

        assertAsksForTheCode("td-borrower");
        assertEquals("unknown_device", refusals("td-borrower").get(0).getDetails().get("reason"));
        assertEquals(1, devices("td-owner").size());

        startOver();
        driver.cookies().add(owners);
        assertSkipsTheCode("td-owner", number);
    }

    @Test
    void cookieFromAnotherRealmSkipsNothing() throws Exception {
        String number = smsUser("td-realms");
        TestUsers.withBoundNumber(copy.admin(), "td-realms", TestUsers.newNumber());
        loginWithCode("td-realms", number, true);
        Cookie demo = trustCookies().iterator().next();

        driver.open(copy.getBaseUrl() + "/protocol/openid-connect/logout");
        copyOauth.openLoginForm();
        loginPage.fillLogin("td-realms", TestUsers.PASSWORD);
        loginPage.submit();
        codePage.assertCurrent(); // the demo realm's cookie is not even sent to the other realm's path

        driver.cookies().deleteAll();
        driver.open(copy.getBaseUrl() + "/protocol/openid-connect/logout");
        String copyName = cookieName(copy.admin().toRepresentation().getId(), TestUsers.id(copy.admin(), "td-realms"));
        driver.cookies().add(new Cookie.Builder(copyName, demo.getValue())
                .path("/realms/" + DemoRealmCopy.NAME + "/").build());
        copyOauth.openLoginForm();
        loginPage.fillLogin("td-realms", TestUsers.PASSWORD);
        loginPage.submit();
        codePage.assertCurrent();
        assertEquals("unknown_device", copy.admin().getEvents(List.of("LOGIN_ERROR"), null,
                TestUsers.id(copy.admin(), "td-realms"), null, null, null, 0, 10).stream()
                .filter(e -> "trusted_device_refused".equals(e.getError())).findFirst().orElseThrow()
                .getDetails().get("reason"));
    }

    @Test
    void trustEndsAfterTheConfiguredDays() {
        String number = smsUser("td-expiry");
        loginWithCode("td-expiry", number, true);
        logOutKeepingTrust();
        try {
            timeOffSet.set(89 * 86_400);
            assertSkipsTheCode("td-expiry", number);
            logOutKeepingTrust();
            timeOffSet.set(91 * 86_400);
            assertAsksForTheCode("td-expiry");
            assertEquals("expired", refusals("td-expiry").get(0).getDetails().get("reason"));
            assertTrue(devices("td-expiry").isEmpty(), "the expired record is removed");
        } finally {
            timeOffSet.set(0);
        }
    }

    @Test
    void passwordChangedByTheUserEndsTrust() {
        String number = smsUser("td-own-password");
        loginWithCode("td-own-password", number, true);
        oauth.loginForm().kcAction("UPDATE_PASSWORD").open();
        driver.findElement(By.id("password-new")).sendKeys("a brand new passphrase 2026");
        driver.findElement(By.id("password-confirm")).sendKeys("a brand new passphrase 2026");
        driver.findElement(By.cssSelector("[type=submit]")).click();
        driver.waiting().waitForOAuthCallback();

        logOutKeepingTrust();
        oauth.openLoginForm();
        loginPage.fillLogin("td-own-password", "a brand new passphrase 2026");
        loginPage.submit();
        codePage.assertCurrent();
        assertEquals("factors_changed", refusals("td-own-password").get(0).getDetails().get("reason"));
    }

    @Test
    void passwordResetByAnAdminEndsTrust() {
        String number = smsUser("td-reset");
        loginWithCode("td-reset", number, true);
        logOutKeepingTrust();
        CredentialRepresentation password = new CredentialRepresentation();
        password.setType("password");
        password.setValue(TestUsers.PASSWORD);
        password.setTemporary(false);
        realm.admin().users().get(TestUsers.id(realm.admin(), "td-reset")).resetPassword(password);

        assertAsksForTheCode("td-reset");
        assertTrue(devices("td-reset").isEmpty());
    }

    @Test
    void changingTheSmsNumberEndsTrust() {
        String number = smsUser("td-new-number");
        loginWithCode("td-new-number", number, true);
        String newNumber = TestUsers.newNumber();
        // A minute later, changing the number asks to sign in again, and the remembered device skips nothing.
        timeOffSet.set(60);
        try {
            oauth.loginForm().kcAction("configure-sms-otp").open();
            loginPage.fillPassword(TestUsers.PASSWORD); // re-authentication: the user is known
            loginPage.submit();
            codePage.assertCurrent();
            codePage.enterCode(vonage.last(number).code());
            phonePage.submitNumber(newNumber);
            codePage.enterCode(vonage.last(newNumber).code());
            driver.waiting().waitForOAuthCallback();
        } finally {
            timeOffSet.set(0);
        }

        logOutKeepingTrust();
        assertAsksForTheCode("td-new-number");
        assertEquals(newNumber.substring(1), vonage.received().get(vonage.received().size() - 1).to(),
                "the code goes to the new number");
        assertEquals("factors_changed", refusals("td-new-number").get(0).getDetails().get("reason"));
    }

    @Test
    void disablingTheUserEndsTrust() {
        String number = smsUser("td-disabled");
        loginWithCode("td-disabled", number, true);
        logOutKeepingTrust();
        var user = realm.admin().users().get(TestUsers.id(realm.admin(), "td-disabled"));
        UserRepresentation rep = user.toRepresentation();
        rep.setEnabled(false);
        user.update(rep);
        assertTrue(devices("td-disabled").isEmpty(), "disabling ends trust at once");
        rep.setEnabled(true);
        user.update(rep);
        assertAsksForTheCode("td-disabled");
    }

    @Test
    void userRemovesOneOfTwoDevicesInTheAccountConsoleThenAnAdminRemovesAll() throws Exception {
        String number = smsUser("td-two");
        loginWithCode("td-two", number, true);
        logOutKeepingTrust();
        Set<Cookie> laptop = trustCookies();
        startOver();
        loginWithCode("td-two", number, true);
        String token = oauth.doAccessTokenRequest(oauth.parseLoginResponse().getCode()).getAccessToken();
        Set<Cookie> phone = trustCookies();
        assertEquals(1, laptop.size());
        assertEquals(1, phone.size());
        assertFalse(laptop.iterator().next().getValue().equals(phone.iterator().next().getValue()));

        List<CredentialRepresentation> devices = devices("td-two");
        assertEquals(2, devices.size());
        assertEquals(2, devices.stream().map(d -> d.getUserLabel().toLowerCase()).distinct().count(),
                "labels stay unique: " + devices.stream().map(CredentialRepresentation::getUserLabel).toList());

        JsonNode types = JSON.readTree(account("GET", "credentials", token).body());
        JsonNode container = null;
        for (JsonNode type : types) {
            if ("trusted-device".equals(type.path("type").asText())) {
                container = type;
            }
        }
        assertNotNull(container, "the Account Console lists remembered devices: " + types);
        assertEquals("trusted-device-display-name", container.path("displayName").asText());
        assertTrue(container.path("removeable").asBoolean());
        assertEquals(2, container.path("userCredentialMetadatas").size());
        assertFalse(container.toString().contains("tokenHash") || container.toString().contains("factors"),
                "no hash or fingerprint leaves the server: " + container);

        // The Account Console's Delete: the delete_credential action with the device's id, then Confirm.
        String laptopId = laptop.iterator().next().getValue().split("\\.")[0];
        timeOffSet.set(60); // a minute after the login: the demo realm asks to sign in again for this
        try {
            oauth.loginForm().kcAction("delete_credential:" + laptopId).open();
            loginPage.fillPassword(TestUsers.PASSWORD);
            loginPage.submit();
            codePage.enterCode(vonage.last(number).code()); // and the phone's trust does not skip the code
            assertTrue(driver.driver().getPageSource().contains(devices.stream().filter(d -> d.getId().equals(laptopId))
                    .findFirst().orElseThrow().getUserLabel()), "the confirmation names the device");
            driver.findElement(By.id("kc-accept")).click();
            driver.waiting().waitForOAuthCallback();
        } finally {
            timeOffSet.set(0);
        }
        assertEquals(1, devices("td-two").size());

        logOutKeepingTrust();
        driver.cookies().deleteAll();
        laptop.forEach(driver.cookies()::add);
        assertAsksForTheCode("td-two");

        startOver();
        phone.forEach(driver.cookies()::add);
        assertSkipsTheCode("td-two", number);

        String userId = TestUsers.id(realm.admin(), "td-two");
        assertEquals(403, adminCall("DELETE", "two-step/users/" + userId + "/trusted-devices", null, token,
                "application/json").statusCode(), "a user token is no admin token");
        HttpResponse<String> removed = adminCall("DELETE", "two-step/users/" + userId + "/trusted-devices", null,
                adminToken(), "application/json");
        assertEquals(200, removed.statusCode());
        assertEquals(1, JSON.readTree(removed.body()).path("removed").asInt());
        logOutKeepingTrust();
        assertAsksForTheCode("td-two");
    }

    @Test
    void userForgetsAllDevicesAtOnce() {
        String number = smsUser("td-forget-all");
        loginWithCode("td-forget-all", number, true);
        Set<Cookie> first = trustCookies();
        startOver();
        loginWithCode("td-forget-all", number, true);
        assertEquals(2, devices("td-forget-all").size());

        oauth.loginForm().kcAction("forget-trusted-devices").open();
        String list = driver.findElement(By.id("trusted-device-list")).getText();
        devices("td-forget-all").forEach(d -> assertTrue(list.contains(d.getUserLabel()), list));
        driver.findElement(By.id("trusted-device-forget-all")).click();
        driver.waiting().waitForOAuthCallback();
        assertTrue(devices("td-forget-all").isEmpty());
        assertTrue(trustCookies().isEmpty(), "this browser's cookie is expired too");

        startOver();
        first.forEach(driver.cookies()::add);
        assertAsksForTheCode("td-forget-all");

        EventRepresentation forgotten = userEvents("td-forget-all", "REMOVE_CREDENTIAL").stream()
                .filter(e -> "trusted_devices_forgotten".equals(e.getDetails().get("two_step_event"))).findFirst()
                .orElseThrow(() -> new AssertionError("no trusted_devices_forgotten event"));
        assertEquals("2", forgotten.getDetails().get("count"));
    }

    /** The events table's rows for a remembered device: remembered (with its label), then used at the next login. */
    @Test
    void rememberingAndUsingADeviceAreEvents() {
        String number = smsUser("td-events");
        loginWithCode("td-events", number, true);
        String label = devices("td-events").get(0).getUserLabel();
        assertTrue(userEvents("td-events", "UPDATE_CREDENTIAL").stream().anyMatch(e ->
                        "trusted_device_remembered".equals(e.getDetails().get("two_step_event"))
                                && label.equals(e.getDetails().get("trusted_device"))
                                && "trusted-device".equals(e.getDetails().get("credential_type"))),
                "trusted_device_remembered with the label " + label);
        logOutKeepingTrust();
        assertSkipsTheCode("td-events", number);
        assertTrue(userEvents("td-events", "LOGIN").stream().anyMatch(e ->
                        "trusted_device_used".equals(e.getDetails().get("two_step_event"))
                                && label.equals(e.getDetails().get("trusted_device"))),
                "trusted_device_used with the label");
        logOutKeepingTrust();
        oauth.loginForm().prompt("login").open();
        loginPage.fillLogin("td-events", TestUsers.PASSWORD);
        loginPage.submit();
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(number).code());
        offerPage.assertCurrent();
        offerPage.answer(false);
        assertLoggedIn();
        List<EventRepresentation> logins = userEvents("td-events", "LOGIN");
        assertTrue(logins.stream().anyMatch(e ->
                        "prompt_login".equals(e.getDetails().get("trusted_device_not_applied"))),
                () -> "trusted_device_not_applied=prompt_login in " + logins.stream().map(e -> e.getDetails())
                        .toList());
    }

    /** Lowering the realm's lifetime shortens trust already given: the server decides, whatever the cookie says. */
    @Test
    void aLoweredLifetimeEndsOlderTrust() throws Exception {
        String number = smsUser("td-lowered");
        loginWithCode("td-lowered", number, true);
        logOutKeepingTrust();
        try {
            assertEquals(200, adminCall("PUT", "two-step", "{\"trustedDeviceDays\":30}", adminToken(),
                    "application/json").statusCode());
            timeOffSet.set(29 * 86_400);
            assertSkipsTheCode("td-lowered", number); // control: within the new lifetime
            logOutKeepingTrust();
            timeOffSet.set(31 * 86_400);
            assertAsksForTheCode("td-lowered");
            assertEquals("expired", refusals("td-lowered").get(0).getDetails().get("reason"));
        } finally {
            timeOffSet.set(0);
            adminCall("PUT", "two-step", "{\"trustedDeviceDays\":90}", adminToken(), "application/json");
        }
    }

    /** A user keeps at most 20 remembered devices: the 21st forgets the oldest, whose cookie then skips nothing. */
    @Test
    void theTwentyFirstDeviceForgetsTheOldest() {
        String number = smsUser("td-cap");
        Set<Cookie> oldest = null;
        Set<Cookie> secondOldest = null;
        try {
            for (int i = 0; i < 21; i++) {
                timeOffSet.set((i / 9) * 3_700 + i); // past the hourly SMS budget, and each device a second newer
                startOver();
                loginWithCode("td-cap", number, true);
                if (i == 0) {
                    oldest = trustCookies();
                } else if (i == 1) {
                    secondOldest = trustCookies();
                }
            }
            assertEquals(20, devices("td-cap").size(), "at most 20 devices");
            startOver();
            oldest.forEach(driver.cookies()::add);
            assertAsksForTheCode("td-cap");
            assertEquals("unknown_device", refusals("td-cap").get(0).getDetails().get("reason"));
            // Control: the second oldest, now the oldest kept, still skips the code.
            startOver();
            secondOldest.forEach(driver.cookies()::add);
            assertSkipsTheCode("td-cap", number);
        } finally {
            timeOffSet.set(0);
        }
    }

    /** A remembered browser plus the password must not be enough to add a factor that then works anywhere. */
    @Test
    void accountActionsGetTheRealSecondStepOnARememberedDevice() {
        String number = smsUser("td-aia");
        loginWithCode("td-aia", number, true);
        logOutKeepingTrust();
        assertSkipsTheCode("td-aia", number); // control: without the account action, this browser skips the code
        logOutKeepingTrust();
        oauth.loginForm().kcAction("CONFIGURE_TOTP").open();
        loginPage.fillLogin("td-aia", TestUsers.PASSWORD);
        loginPage.submit();
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(number).code());
        assertEquals("login-login-config-totp", driver.page().getCurrentPageId());
    }

    /** A record whose data is not what this extension writes (an edited import) breaks no page and trusts nothing. */
    @Test
    void anUnreadableRecordIsListedForRemovalAndTrustsNothing() throws Exception {
        CredentialRepresentation broken = new CredentialRepresentation();
        broken.setType("trusted-device");
        broken.setUserLabel("imported");
        broken.setCredentialData("{\"expiresAt\": \"soon\"}");
        broken.setSecretData("{\"tokenHash\": 7}");
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumberAndCredential(realm.admin(), "td-broken", number, broken);
        String id = devices("td-broken").get(0).getId();

        loginWithCode("td-broken", number, false);
        String token = oauth.doAccessTokenRequest(oauth.parseLoginResponse().getCode()).getAccessToken();
        HttpResponse<String> listed = account("GET", "credentials", token);
        assertEquals(200, listed.statusCode(), listed.body());
        assertTrue(listed.body().contains(id), "listed, so it can be removed: " + listed.body());
        assertEquals(200, adminCall("GET", "two-step/users/" + TestUsers.id(realm.admin(), "td-broken")
                + "/trusted-devices", null, adminToken(), "application/json").statusCode());

        startOver();
        driver.cookies().add(new Cookie.Builder(cookieName(realm.admin().toRepresentation().getId(),
                TestUsers.id(realm.admin(), "td-broken")), id + ".anything").path("/realms/" + realm.getName() + "/")
                .build());
        assertAsksForTheCode("td-broken");
        assertEquals("unknown_device", refusals("td-broken").get(0).getDetails().get("reason"));
        assertTrue(devices("td-broken").isEmpty(), "the unreadable record is removed when met");
    }

    /** A set-up action an admin put on the user needs the real second step first, and never locks the user out. */
    @Test
    void aCredentialSetUpWaitingOnTheUserIsNeverReachedWithoutTheSecondStep() {
        String number = smsUser("td-guard");
        loginWithCode("td-guard", number, true);
        logOutKeepingTrust();
        assertSkipsTheCode("td-guard", number); // control: without the waiting set-up, this browser skips the code
        logOutKeepingTrust();
        var user = realm.admin().users().get(TestUsers.id(realm.admin(), "td-guard"));
        UserRepresentation rep = user.toRepresentation();
        rep.setRequiredActions(List.of("configure-sms-otp"));
        user.update(rep);

        passwordStep("td-guard");
        codePage.assertCurrent(); // the remembered device skips nothing now
        codePage.enterCode(vonage.last(number).code());
        phonePage.assertCurrent(); // with the code used in this login, the change may go on
    }

    @Test
    void stepUpMaxAgeZeroAndPromptLoginStillAskForTheCode() {
        String number = smsUser("td-step-up");
        loginWithCode("td-step-up", number, true);

        for (Runnable request : List.<Runnable>of(
                () -> oauth.loginForm().param("acr_values", "2").open(),
                () -> oauth.loginForm().maxAge(0).open(),
                () -> oauth.loginForm().prompt("login").open())) {
            logOutKeepingTrust();
            request.run();
            loginPage.fillLogin("td-step-up", TestUsers.PASSWORD);
            loginPage.submit();
            codePage.assertCurrent();
            codePage.enterCode(vonage.last(number).code());
            offerPage.assertCurrent();
            offerPage.answer(false);
            assertLoggedIn();
        }
        logOutKeepingTrust();
        assertSkipsTheCode("td-step-up", number);
    }

    @Test
    void tokensAfterASkipClaimNoSecondFactorInAmr() throws Exception {
        amrReferences();
        String number = smsUser("td-amr");
        loginWithCode("td-amr", number, true);
        assertEquals(List.of("pwd", "sms"), amr());
        logOutKeepingTrust();
        assertSkipsTheCode("td-amr", number);
        assertEquals(List.of("pwd"), amr());
    }

    /** Gives the password and SMS executions AMR reference values and the test client an AMR mapper. */
    private void amrReferences() {
        var flows = realm.admin().flows();
        reference(flows.getExecutions("browser-two-step forms"), "auth-username-password-form", "pwd");
        reference(flows.getExecutions("browser-two-step second factor"), "sms-otp-form", "sms");
        if (oauth.clientResource().getProtocolMappers().getMappers().stream().noneMatch(m -> "amr".equals(m.getName()))) {
            ProtocolMapperRepresentation mapper = new ProtocolMapperRepresentation();
            mapper.setName("amr");
            mapper.setProtocol("openid-connect");
            mapper.setProtocolMapper("oidc-amr-mapper");
            mapper.setConfig(Map.of("id.token.claim", "true", "access.token.claim", "true"));
            oauth.clientResource().getProtocolMappers().createMapper(mapper).close();
        }
    }

    private void reference(List<AuthenticationExecutionInfoRepresentation> executions, String provider, String amr) {
        AuthenticationExecutionInfoRepresentation execution = executions.stream()
                .filter(e -> provider.equals(e.getProviderId())).findFirst().orElseThrow();
        var flows = realm.admin().flows();
        if (execution.getAuthenticationConfig() == null) {
            AuthenticatorConfigRepresentation config = new AuthenticatorConfigRepresentation();
            config.setAlias("amr-" + amr);
            config.setConfig(Map.of("default.reference.value", amr, "default.reference.maxAge", "36000"));
            flows.newExecutionConfig(execution.getId(), config).close();
        } else {
            AuthenticatorConfigRepresentation config = flows.getAuthenticatorConfig(execution.getAuthenticationConfig());
            Map<String, String> values = new HashMap<>(config.getConfig());
            values.put("default.reference.value", amr);
            values.put("default.reference.maxAge", "36000");
            config.setConfig(values);
            flows.updateAuthenticatorConfig(config.getId(), config);
        }
    }

    private List<String> amr() throws Exception {
        String idToken = oauth.doAccessTokenRequest(oauth.parseLoginResponse().getCode()).getIdToken();
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(idToken.split("\\.")[1]));
        return JSON.convertValue(claims.path("amr"), JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    }

    private HttpResponse<String> account(String method, String path, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(realm.getBaseUrl() + "/account/" + path))
                .header("Authorization", "Bearer " + token).header("Accept", "application/json")
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }
}
