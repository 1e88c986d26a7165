package io.twostep.keycloak.it;

import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.IssuedSecrets;
import io.twostep.keycloak.support.RecoveryCodesPage;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TrustedDeviceOfferPage;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.keycloak.models.utils.TimeBasedOTP;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With {@code --metrics-enabled=true}, our meters are on Keycloak's management endpoint {@code /metrics} (port
 * 9000) next to Keycloak's own, and count what a journey did, exactly: SMS, codes, enrolments by method,
 * remembered devices and what the policy did with each login; their labels carry no user id, number or address.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class SmsMetricsTest extends AbstractJourneyTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String METRICS = "http://localhost:9000/metrics";

    @Test
    void sendsCodesAndGatewayTimesAreCounted() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "metrics-user", number);
        String before = scrape();

        passwordStep("metrics-user");
        codePage.assertCurrent();
        String code = vonage.last(number).code();
        codePage.enterCode(code.equals("999999") ? "888888" : "999999");
        codePage.enterCode(code);
        declineDeviceOffer();
        assertLoggedIn();

        vonage.behave(new FakeVonage.Behaviour.Status(9, "Partner quota exceeded"));
        startOver();
        passwordStep("metrics-user");
        vonage.reset();

        String after = scrape();
        String realmLabel = "realm=\"" + realm.getName() + "\"";
        assertEquals(1, delta(before, after, "twostep_sms_sent_total", "country=\"49\"", realmLabel));
        assertEquals(1, delta(before, after, "twostep_sms_send_failed_total", "country=\"49\"", realmLabel,
                "reason=\"configuration\""));
        assertEquals(1, delta(before, after, "twostep_sms_codes_total", "purpose=\"login\"", realmLabel,
                "country=\"49\"", "result=\"wrong\""));
        assertEquals(1, delta(before, after, "twostep_sms_codes_total", "purpose=\"login\"", realmLabel,
                "country=\"49\"", "result=\"accepted\""));
        assertEquals(1, delta(before, after, "twostep_sms_gateway_seconds_count", "outcome=\"accepted\""));
        assertTrue(after.contains("twostep_sms_gateway_seconds_bucket{"), "the gateway time is a histogram");
        for (String cause : new String[]{"breaker_open", "slots_busy"}) {
            assertTrue(Pattern.compile("(?m)^twostep_sms_gateway_refused_total\\{[^}]*cause=\"" + cause + "\"")
                    .matcher(before).find(), "on /metrics from the start, at zero: " + cause);
            assertEquals(0, delta(before, after, "twostep_sms_gateway_refused_total", "cause=\"" + cause + "\""),
                    "a gateway that answered (even with a refusal) refuses nothing at once: " + cause);
        }
        assertTrue(after.contains("keycloak_") || after.contains("jvm_"), "Keycloak's own meters are beside ours");

        String userId = TestUsers.id(realm.admin(), "metrics-user");
        for (String line : after.lines().filter(l -> l.startsWith("twostep_")).toList()) {
            assertFalse(line.contains(userId) || line.contains(number.substring(1)) || line.contains("127.0.0.1"),
                    "a label with personal data: " + line);
        }
    }

    /** The policy's enrolment step, an SMS enrolment, an app enrolment and the recovery codes after each. */
    @Test
    void enrolmentsAreCountedByMethod() throws Exception {
        String before = scrape();

        policy(true, "sms", 0);
        TestUsers.plain(realm.admin(), "metrics-sms-new");
        String number = TestUsers.newNumber();
        passwordStep("metrics-sms-new");
        phonePage.submitNumber(number);
        codePage.enterCode(vonage.last(number).code());
        saveRecoveryCodes();
        assertLoggedIn();

        policy(true, "otp", 0);
        TestUsers.plain(realm.admin(), "metrics-app-new");
        startOver();
        passwordStep("metrics-app-new");
        assertEquals("login-login-config-totp", driver.page().getCurrentPageId());
        String secret = driver.findElement(By.id("totpSecret")).getAttribute("value");
        IssuedSecrets.text(secret); // the log scan looks for it too
        driver.findElement(By.id("totp")).sendKeys(new TimeBasedOTP().generateTOTP(secret));
        driver.findElement(By.id("saveTOTPBtn")).click();
        saveRecoveryCodes();
        assertLoggedIn();

        String after = scrape();
        assertEquals(1, delta(before, after, "twostep_enrolments_total", realmLabel(), "method=\"sms\""));
        assertEquals(1, delta(before, after, "twostep_enrolments_total", realmLabel(), "method=\"otp\""));
        assertEquals(2, delta(before, after, "twostep_enrolments_total", realmLabel(),
                "method=\"recovery_codes\""));
        assertEquals(2, delta(before, after, "twostep_policy_total", realmLabel(),
                "outcome=\"enrolment_required\""));
        assertEquals(1, delta(before, after, "twostep_sms_codes_total", realmLabel(), "purpose=\"enrolment\"",
                "result=\"accepted\""));
        assertEquals(0, delta(before, after, "twostep_policy_total", realmLabel(),
                "outcome=\"second_step_asked\""), "no second step before the first factor exists");
    }

    /** A device remembered, then used, then not applied (prompt=login), then refused (a forged secret). */
    @Test
    void rememberedDevicesAreCountedByOutcomeAndReason() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "metrics-device", number);
        TrustedDeviceOfferPage offer = new TrustedDeviceOfferPage(driver);
        String before = scrape();

        passwordStep("metrics-device");
        codePage.enterCode(vonage.last(number).code());
        offer.answer(true);
        assertLoggedIn();

        logOutKeepingTrust();
        passwordStep("metrics-device");
        assertLoggedIn(); // skipped: no code page

        logOutKeepingTrust();
        oauth.loginForm().prompt("login").open();
        loginPage.fillLogin("metrics-device", TestUsers.PASSWORD);
        loginPage.submit();
        codePage.enterCode(vonage.last(number).code());
        offer.answer(false);
        assertLoggedIn();

        logOutKeepingTrust();
        Cookie real = trustCookie();
        String value = real.getValue();
        String forged = value.substring(0, value.length() - 1) + (value.endsWith("A") ? 'B' : 'A');
        driver.cookies().add(new Cookie.Builder(real.getName(), forged).path(real.getPath()).isHttpOnly(true)
                .build());
        passwordStep("metrics-device");
        codePage.assertCurrent();

        String after = scrape();
        assertEquals(1, delta(before, after, "twostep_trusted_device_total", realmLabel(),
                "outcome=\"remembered\"", "reason=\"none\""));
        assertEquals(1, delta(before, after, "twostep_trusted_device_total", realmLabel(),
                "outcome=\"used\"", "reason=\"trusted\""));
        assertEquals(1, delta(before, after, "twostep_trusted_device_total", realmLabel(),
                "outcome=\"not_applied\"", "reason=\"prompt_login\""));
        assertEquals(1, delta(before, after, "twostep_trusted_device_total", realmLabel(),
                "outcome=\"refused\"", "reason=\"wrong_secret\""));
        assertEquals(4, delta(before, after, "twostep_trusted_device_total", realmLabel()), "nothing else");
        assertEquals(1, delta(before, after, "twostep_policy_total", realmLabel(),
                "outcome=\"skipped_remembered_device\""));
        assertEquals(3, delta(before, after, "twostep_policy_total", realmLabel(),
                "outcome=\"second_step_asked\""), "once per login, though Keycloak asks the condition again");
    }

    /** A password-only login, a postponed enrolment, a refused password grant and an unavailable set-up. */
    @Test
    void thePolicysOtherOutcomesAreCounted() throws Exception {
        TestUsers.plain(realm.admin(), "metrics-plain");
        TestUsers.plain(realm.admin(), "metrics-later");
        String before = scrape();

        passwordStep("metrics-plain");
        assertLoggedIn();

        policy(true, "any", 7);
        startOver();
        passwordStep("metrics-later");
        assertEquals("login-two-step-enrolment", driver.page().getCurrentPageId());
        driver.findElement(By.id("two-step-set-up-later")).click();
        assertLoggedIn();
        assertEquals("invalid_grant", oauth.doPasswordGrantRequest("metrics-plain", TestUsers.PASSWORD).getError());

        policy(true, "sms", 0);
        var action = realm.admin().flows().getRequiredAction("configure-sms-otp");
        action.setEnabled(false);
        realm.admin().flows().updateRequiredAction("configure-sms-otp", action);
        try {
            startOver();
            passwordStep("metrics-plain");
            assertNotLoggedIn();
        } finally {
            action.setEnabled(true);
            realm.admin().flows().updateRequiredAction("configure-sms-otp", action);
        }

        String after = scrape();
        for (String outcome : new String[] {"not_required", "enrolment_postponed", "refused_direct_grant",
                "refused_enrolment_unavailable"}) {
            assertEquals(1, delta(before, after, "twostep_policy_total", realmLabel(),
                    "outcome=\"" + outcome + "\""), outcome);
        }
        assertEquals(4, delta(before, after, "twostep_policy_total", realmLabel()), "nothing else");
    }

    @AfterEach
    void policyOff() {
        policy(false, "any", 0);
    }

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

    private String realmLabel() {
        return "realm=\"" + realm.getName() + "\"";
    }

    /** After a first second factor the realm offers recovery codes: saves them (a set-up of their own). */
    private void saveRecoveryCodes() {
        RecoveryCodesPage codes = new RecoveryCodesPage(driver);
        assertTrue(codes.isCurrent(), "recovery codes offered after the first second factor");
        codes.save();
    }

    /** Ends the Keycloak session in this browser but keeps its trust cookie, as closing the browser would. */
    private void logOutKeepingTrust() {
        Cookie kept = trustCookie();
        driver.cookies().deleteAll();
        driver.cookies().add(kept);
    }

    /** @return the one trust cookie this browser holds for the realm, its secret recorded for the log scan */
    private Cookie trustCookie() {
        driver.open(realm.getBaseUrl() + "/protocol/openid-connect/logout");
        Set<Cookie> found = Set.copyOf(driver.cookies().getAll().stream()
                .filter(c -> c.getName().startsWith(TrustedDeviceJourneyTest.COOKIE_PREFIX)).toList());
        assertEquals(1, found.size(), "one remembered device in this browser");
        Cookie cookie = found.iterator().next();
        IssuedSecrets.text(cookie.getValue().substring(cookie.getValue().indexOf('.') + 1));
        return cookie;
    }

    static String scrape() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(METRICS)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "the management endpoint answers");
        return response.body();
    }

    /** @return the change of the one series named {@code name} whose labels contain every given label */
    private static long delta(String before, String after, String name, String... labels) {
        return Math.round(value(after, name, labels) - value(before, name, labels));
    }

    private static double value(String scrape, String name, String... labels) {
        double total = 0;
        Matcher line = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(scrape);
        while (line.find()) {
            boolean all = true;
            for (String label : labels) {
                all &= line.group(1).contains(label);
            }
            if (all) {
                total += Double.parseDouble(line.group(2));
            }
        }
        return total;
    }
}
