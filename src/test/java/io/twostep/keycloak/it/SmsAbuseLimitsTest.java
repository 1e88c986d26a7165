package io.twostep.keycloak.it;

import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.HourPin;
import io.twostep.keycloak.support.LimitsServerConfig;
import io.twostep.keycloak.support.RawBrowser;
import io.twostep.keycloak.support.TestUsers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.keycloak.models.utils.TimeBasedOTP;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.RealmBuilder;
import org.keycloak.testframework.remote.timeoffset.InjectTimeOffSet;
import org.keycloak.testframework.remote.timeoffset.TimeOffSet;
import org.keycloak.testframework.ui.page.SelectAuthenticatorPage;
import org.openqa.selenium.By;
import org.openqa.selenium.htmlunit.HtmlUnitDriver;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Send limits and the account-level wrong-code counter, on a Keycloak with tight limits ({@link LimitsServerConfig})
 * that trusts X-Forwarded-For, so each test comes from its own client address.
 */
@KeycloakIntegrationTest(config = LimitsServerConfig.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SmsAbuseLimitsTest extends AbstractJourneyTest {

    private static final AtomicInteger ADDRESSES = new AtomicInteger(10);
    private static final String LIMIT_MESSAGE_START = "Too many text messages have been sent. You can ask for a new code in ";

    @InjectTimeOffSet
    TimeOffSet timeOffSet;

    /** The server clock's offset this test started with ({@link HourPin}); later shifts add to it. */
    private int clockStart;

    @BeforeEach
    void ownClientAddress() {
        clockStart = HourPin.pin(timeOffSet); // the hourly budgets must not reset half-way through a test
        comeFrom("203.0.113." + ADDRESSES.incrementAndGet());
        // Keycloak's own lockout would interfere with counting our wrong codes; the test addresses are not local,
        // and this test server speaks plain HTTP.
        realm.updateWithCleanup(r -> {
            RealmBuilder updated = r.bruteForceProtected(false);
            updated.build().setSslRequired("none");
            return updated;
        });
    }

    private void comeFrom(String address) {
        ((HtmlUnitDriver) driver.driver()).getWebClient().addRequestHeader("X-Forwarded-For", address);
    }

    @Test
    @Order(1)
    void perUserHourlyLimit() {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "limit-user", number);
        for (int i = 0; i < LimitsServerConfig.PER_USER; i++) {
            if (i > 0 && i % LimitsServerConfig.PER_IP == 0) {
                comeFrom("198.51.100." + (ADDRESSES.incrementAndGet() % 250));
            }
            startOver();
            passwordStep("limit-user");
            codePage.assertCurrent();
            assertTrue(codePage.errorMessage().isEmpty(), "send " + (i + 1) + " is within the limit");
        }
        startOver();
        passwordStep("limit-user");
        assertTrue(codePage.errorMessage().orElseThrow().startsWith(LIMIT_MESSAGE_START));
        assertEquals(LimitsServerConfig.PER_USER, vonage.to(number).size());
        assertEquals("user", lastLimitEvent("limit-user").getDetails().get("limit"));

        for (int i = 0; i < 3; i++) { // Resend again and again: told each time, recorded once
            codePage.forceResend();
            assertTrue(codePage.errorMessage().orElseThrow().startsWith(LIMIT_MESSAGE_START));
        }
        assertEquals(LimitsServerConfig.PER_USER, vonage.to(number).size());
        assertEquals(1, userEvents("limit-user").stream()
                .filter(e -> "sms_limit_hit".equals(e.getDetails().get("two_step_event"))).count());
    }

    @Test
    @Order(2)
    void perNumberHourlyLimitHoldsAcrossUsers() {
        String shared = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "limit-number-a", shared);
        TestUsers.withBoundNumber(realm.admin(), "limit-number-b", shared);
        for (int i = 0; i < LimitsServerConfig.PER_NUMBER; i++) {
            comeFrom("198.51.100." + (ADDRESSES.incrementAndGet() % 250));
            startOver();
            passwordStep(i % 2 == 0 ? "limit-number-a" : "limit-number-b");
            codePage.assertCurrent();
            assertTrue(codePage.errorMessage().isEmpty(), "send " + (i + 1) + " is within the limit");
            assertEquals(i + 1, vonage.to(shared).size(), "send " + (i + 1) + " went out");
        }
        startOver();
        passwordStep("limit-number-b");
        assertTrue(codePage.errorMessage().orElseThrow().startsWith(LIMIT_MESSAGE_START));
        assertEquals(LimitsServerConfig.PER_NUMBER, vonage.to(shared).size());
        assertEquals("number", lastLimitEvent("limit-number-b").getDetails().get("limit"));
    }

    @Test
    @Order(3)
    void perClientAddressHourlyLimitUsesTheTrustedProxyHeader() {
        for (int i = 0; i < LimitsServerConfig.PER_IP; i++) {
            String number = TestUsers.newNumber();
            TestUsers.withBoundNumber(realm.admin(), "limit-ip-" + i, number);
            startOver();
            passwordStep("limit-ip-" + i);
            codePage.assertCurrent();
            assertTrue(codePage.errorMessage().isEmpty(), "send " + (i + 1) + " is within the limit");
            assertEquals(1, vonage.to(number).size(), "send " + (i + 1) + " went out");
        }
        String last = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "limit-ip-last", last);
        startOver();
        passwordStep("limit-ip-last");
        assertTrue(codePage.errorMessage().orElseThrow().startsWith(LIMIT_MESSAGE_START));
        assertEquals(0, vonage.to(last).size());
        assertEquals("ip", lastLimitEvent("limit-ip-last").getDetails().get("limit"));

        comeFrom("192.0.2.77"); // another client behind the same proxy
        startOver();
        passwordStep("limit-ip-last");
        codePage.assertCurrent();
        assertTrue(codePage.errorMessage().isEmpty(), "another address has its own budget");
        assertEquals(1, vonage.to(last).size(), "the other address's send went out");
    }

    @Test
    @Order(4)
    void wrongCodesCountOnTheAccountAcrossCodesAndLoginsThenBlockOnlyTheSmsFactor() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumberAndTotp(realm.admin(), "limit-failures", number);
        passwordStep("limit-failures");
        chooseSms();
        int offset = clockStart;

        // Three wrong codes, then the account asks for a pause, which a new code does not lift.
        for (int i = 0; i < LimitsServerConfig.FAILURES_BEFORE_DELAY; i++) {
            codePage.enterCode(wrong(vonage.last(number).code()));
        }
        codePage.enterCode(vonage.last(number).code());
        assertPause(codePage.errorMessage().orElseThrow(), 15);

        offset += 31;
        timeOffSet.set(offset);
        driver.navigate().refresh();
        codePage.resendButton().click(); // a new code: the account's count stays
        codePage.enterCode(wrong(vonage.last(number).code()));
        codePage.enterCode(vonage.last(number).code());
        assertPause(codePage.errorMessage().orElseThrow(), 30);

        // A new login does not reset it either.
        offset += 31;
        timeOffSet.set(offset);
        startOver();
        passwordStep("limit-failures");
        chooseSms();
        codePage.enterCode(wrong(vonage.last(number).code())); // 5
        offset += 61;
        timeOffSet.set(offset);
        codePage.enterCode(wrong(vonage.last(number).code())); // 6: blocked
        codePage.enterCode(vonage.last(number).code());
        String blocked = "Too many wrong codes: signing in with text messages is blocked for this account for now. "
                + "Use another way to sign in, or contact your administrator.";
        assertEquals(blocked, codePage.errorMessage().orElseThrow());
        int sent = vonage.to(number).size();
        offset += 61;
        timeOffSet.set(offset);
        driver.navigate().refresh();
        codePage.forceResend();
        assertEquals(blocked, codePage.errorMessage().orElseThrow());
        assertEquals(sent, vonage.to(number).size(), "no SMS while blocked");
        assertTrue(userEvents("limit-failures").stream().anyMatch(e -> "sms_factor_blocked".equals(e.getError())));

        // The authenticator app still works.
        driver.findElement(By.id("try-another-way")).click();
        new SelectAuthenticatorPage(driver).selectLoginMethod("Authenticator Application");
        driver.findElement(By.id("otp")).sendKeys(totpNow());
        driver.findElement(By.id("kc-login")).click();
        declineDeviceOffer();
        assertLoggedIn();

        // The count outlives the block (NIST SP 800-63B 3.2.2): after the block period one wrong code blocks again.
        offset += LimitsServerConfig.BLOCK_SECONDS + 1;
        timeOffSet.set(offset);
        comeFrom("192.0.2.200"); // this address has used its hourly SMS budget
        startOver();
        passwordStep("limit-failures");
        chooseSms();
        assertEquals(java.util.Optional.empty(), codePage.errorMessage());
        codePage.enterCode(wrong(vonage.last(number).code()));
        codePage.enterCode(vonage.last(number).code());
        assertEquals(blocked, codePage.errorMessage().orElseThrow(), "one wrong code after a block blocks again");

        // After the next block period (an hour on, so the user's hourly SMS budget is fresh too), a correct code
        // works again and clears the count.
        offset += 3600;
        timeOffSet.set(offset);
        comeFrom("192.0.2.201");
        startOver();
        passwordStep("limit-failures");
        chooseSms();
        assertEquals(java.util.Optional.empty(), codePage.errorMessage());
        codePage.enterCode(vonage.last(number).code());
        declineDeviceOffer();
        assertLoggedIn();
        String url = realm.getBaseUrl().replace("/realms/", "/admin/realms/") + "/two-step/users/"
                + TestUsers.id(realm.admin(), "limit-failures") + "/sms-failures";
        assertTrue(admin("GET", url, adminToken()).body().contains("\"failures\":0"), "a correct code clears the count");
    }

    @Test
    @Order(5)
    void adminSeesAndResetsTheWrongCodeCount() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "limit-reset", number);
        passwordStep("limit-reset");
        for (int i = 0; i < LimitsServerConfig.FAILURES_BEFORE_DELAY; i++) {
            codePage.enterCode(wrong(vonage.last(number).code()));
        }
        String url = realm.getBaseUrl().replace("/realms/", "/admin/realms/") + "/two-step/users/"
                + TestUsers.id(realm.admin(), "limit-reset") + "/sms-failures";
        HttpResponse<String> standing = admin("GET", url, adminToken());
        assertEquals(200, standing.statusCode(), standing.body());
        assertTrue(standing.body().contains("\"failures\":" + LimitsServerConfig.FAILURES_BEFORE_DELAY), standing.body());

        TestUsers.withBoundNumberAndTotp(realm.admin(), "limit-reset-other", TestUsers.newNumber());
        String userToken = oauth.passwordGrantRequest("limit-reset-other", TestUsers.PASSWORD)
                .otp(totpNow()).send().getAccessToken();
        assertEquals(403, admin("DELETE", url, userToken).statusCode(), "a user cannot reset their own count");
        assertEquals(204, admin("DELETE", url, adminToken()).statusCode());

        codePage.enterCode(vonage.last(number).code()); // no pause any more
        declineDeviceOffer();
        assertLoggedIn();
    }

    /**
     * 12 new accounts post the same number on the enrolment page at the same instant, three bursts in a row (real
     * HTTP, one thread and one client address per account): the number gets exactly its enrolment budget.
     */
    @Test
    @Order(6)
    void simultaneousEnrolmentsOfOneNumberGetExactlyItsBudget() throws Exception {
        String number = TestUsers.newNumber();
        for (int burst = 0; burst < 3; burst++) {
            List<RawBrowser> browsers = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String username = "burst-enrol-" + burst + "-" + i;
                TestUsers.needingEnrolment(realm.admin(), username, null);
                RawBrowser browser = new RawBrowser("198.19." + burst + "." + (i + 1));
                browser.signIn(oauth.loginForm().build(), username, TestUsers.PASSWORD);
                assertTrue(browser.hasForm("kc-sms-enrol-form"), () -> username + " is asked for a number: " + browser.page());
                browsers.add(browser);
            }
            List<String> pages = RawBrowser.allAtOnce(browsers,
                    b -> b.submit("kc-sms-enrol-form", Map.of("phoneNumber", number, "send", "true")));
            assertTrue(pages.stream().noneMatch(p -> p.contains("Internal Server Error")), "no 500 in the burst");
        }
        assertEquals(LimitsServerConfig.PER_NUMBER, vonage.to(number).size(), "36 tries, one number, its budget");

        // Enrolment sends have their own per-number budget: the number's owner still gets login codes.
        TestUsers.withBoundNumber(realm.admin(), "burst-enrol-owner", number);
        RawBrowser owner = new RawBrowser("198.19.3.1");
        owner.signIn(oauth.loginForm().build(), "burst-enrol-owner", TestUsers.PASSWORD);
        assertTrue(owner.hasForm("kc-sms-otp-form"), () -> "the owner is asked for a code: " + owner.page());
        assertEquals(LimitsServerConfig.PER_NUMBER + 1, vonage.to(number).size(), "the owner's login code went out");
    }

    /**
     * One account, as many parallel logins as it gets codes, all posting wrong codes at the same instant, round
     * after round, with Keycloak's brute-force detection off: exactly {@code failures-before-delay} codes are
     * compared, and the account's count says so; every other try is told to wait.
     */
    @Test
    @Order(7)
    void simultaneousWrongCodesFromParallelLoginsAreCountedExactly() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "burst-codes", number);
        List<RawBrowser> browsers = new ArrayList<>();
        for (int i = 0; i < LimitsServerConfig.PER_USER; i++) {
            RawBrowser browser = new RawBrowser("198.19.9." + (i + 1));
            browser.signIn(oauth.loginForm().build(), "burst-codes", TestUsers.PASSWORD);
            int login = i + 1;
            assertTrue(browser.hasForm("kc-sms-otp-form"), () -> "login " + login + " got a code: " + browser.page());
            browsers.add(browser);
        }
        assertEquals(LimitsServerConfig.PER_USER, vonage.to(number).size());
        List<String> sent = vonage.to(number).stream().map(FakeVonage.Sms::code).toList();
        String wrong = java.util.stream.Stream.of("000000", "111111", "222222", "333333", "444444")
                .filter(c -> !sent.contains(c)).findFirst().orElseThrow();

        long started = System.nanoTime();
        int compared = 0;
        int waiting = 0;
        for (int round = 0; round < 3; round++) {
            for (String page : RawBrowser.allAtOnce(browsers, b -> b.submit("kc-sms-otp-form", Map.of("code", wrong)))) {
                compared += page.contains("That code is not right.") || page.contains("Ask for a new code.") ? 1 : 0;
                waiting += page.contains("Too many wrong codes. Wait ") ? 1 : 0;
            }
        }
        long seconds = java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertTrue(seconds < 14, "the rounds must fall within the first pause (15 s), took " + seconds + " s");
        assertEquals(LimitsServerConfig.FAILURES_BEFORE_DELAY, compared, "codes compared");
        assertEquals(3 * LimitsServerConfig.PER_USER - compared, waiting, "every other try is told to wait");
        String url = realm.getBaseUrl().replace("/realms/", "/admin/realms/") + "/two-step/users/"
                + TestUsers.id(realm.admin(), "burst-codes") + "/sms-failures";
        assertTrue(admin("GET", url, adminToken()).body().contains(
                "\"failures\":" + LimitsServerConfig.FAILURES_BEFORE_DELAY), "the account's count is exact");
    }

    /**
     * Without the hostname option the host of a login comes from its request: a forged {@code Host} header must not
     * reach the SMS, so the origin-bound last line is left out.
     */
    @Test
    @Order(8)
    void aForgedHostHeaderNeverReachesTheSms() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "forged-host", number);
        RawBrowser browser = new RawBrowser("198.19.10.1", "evil.example");
        browser.signIn(oauth.loginForm().build(), "forged-host", TestUsers.PASSWORD);
        assertTrue(browser.hasForm("kc-sms-otp-form"), () -> "a code was sent: " + browser.page());
        assertTrue(browser.page().contains("evil.example"), "the server did take the forged host for its links");
        String text = vonage.last(number).text();
        assertTrue(!text.contains("evil.example") && !text.contains("@"), text);
        assertTrue(text.contains(vonage.last(number).code()), text);
    }

    @Test
    @Order(9)
    void realmBudgetStopsSmsForTheRealmAndRaisesAnEvent() {
        String message = null;
        for (int i = 0; i < LimitsServerConfig.REALM + 5 && message == null; i++) {
            comeFrom("198.18." + (i / 200) + "." + (i % 200 + 1));
            TestUsers.withBoundNumber(realm.admin(), "limit-realm-" + i, TestUsers.newNumber());
            startOver();
            passwordStep("limit-realm-" + i);
            message = codePage.errorMessage().orElse(null);
        }
        assertTrue(message != null && message.startsWith("Text messages are paused for now. Try again in "), message);
        List<EventRepresentation> events = realm.admin().getEvents(List.of("CUSTOM_REQUIRED_ACTION_ERROR"), null, null,
                null, null, null, 0, 1000);
        assertTrue(events.stream().anyMatch(e -> "sms_realm_budget_spent".equals(e.getError())),
                "an event the admin can alert on");
    }

    private void chooseSms() {
        if (!codePage.isCurrent()) {
            driver.findElement(By.id("try-another-way")).click();
            new SelectAuthenticatorPage(driver).selectLoginMethod("SMS code");
        }
        codePage.assertCurrent();
    }

    private static String wrong(String code) {
        return code.equals("999999") ? "888888" : "999999";
    }

    /** Keycloak checks TOTP against the real clock, not the test time offset. */
    private static String totpNow() {
        return new TimeBasedOTP().generateTOTP(TestUsers.TOTP_SECRET.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> admin(String method, String url, String token) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + token).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private EventRepresentation lastLimitEvent(String username) {
        return userEvents(username).stream().filter(e -> "sms_limit_hit".equals(e.getDetails().get("two_step_event")))
                .findFirst().orElseThrow(() -> new AssertionError("no sms_limit_hit event"));
    }

    private List<EventRepresentation> userEvents(String username) {
        return realm.admin().getEvents(null, null, TestUsers.id(realm.admin(), username), null, null, null, 0, 200)
                .stream().filter(e -> e.getDetails() != null).toList();
    }

    /** The pause counts down in whole seconds from the last wrong code: some seconds may have passed since. */
    private static void assertPause(String message, int limitSeconds) {
        java.util.regex.Matcher wait = java.util.regex.Pattern
                .compile("Too many wrong codes\\. Wait (\\d+) seconds before you try again\\.").matcher(message);
        assertTrue(wait.matches(), message);
        int seconds = Integer.parseInt(wait.group(1));
        assertTrue(seconds > limitSeconds - 10 && seconds <= limitSeconds, message);
    }
}
