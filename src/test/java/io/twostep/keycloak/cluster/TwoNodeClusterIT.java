package io.twostep.keycloak.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.HourPin;
import io.twostep.keycloak.support.IssuedSecrets;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.cluster.ClusterBrowser;
import io.twostep.keycloak.support.cluster.KeycloakNode;
import io.twostep.keycloak.support.cluster.TwoNodeCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The extension on PostgreSQL and two production-mode Keycloak nodes that form one cluster ({@link TwoNodeCluster}),
 * with a browser that sends each request to the node the test names, as a load balancer without stickiness would:
 * a code sent by one node is checked by the other, and counters, limits, bound numbers, remembered devices and the
 * realm policy hold across both. Runs in the {@code integration-test} phase, after {@code package} built the jar.
 * Each journey prints its logins per node, failures and wall time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoNodeClusterIT {

    private static final String CODE_EXHAUSTED = "Too many wrong codes. Ask for a new code.";
    private static final String LIMIT_REACHED = "Too many text messages have been sent.";
    private static final String SMS_BLOCKED = "Too many wrong codes: signing in with text messages is blocked";

    static TwoNodeCluster cluster;
    static KeycloakNode a;
    static KeycloakNode b;
    static FakeVonage vonage;
    static Keycloak adminA;
    static Keycloak adminB;
    static final List<String> REPORT = new ArrayList<>();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Logins finished per node (A, B) and failed logins of the journey under way. */
    private final AtomicIntegerArray loginsPerNode = new AtomicIntegerArray(2);
    private int failures;
    private long journeyStart;

    @BeforeAll
    static void startCluster() throws Exception {
        assumeTrue(TwoNodeCluster.supported(),
                "the cluster test needs Linux x86-64 (PostgreSQL binaries from Maven Central) and the unpacked "
                        + "distribution in target/cluster (mvn verify)");
        vonage = FakeVonage.instance();
        cluster = TwoNodeCluster.instance();
        a = cluster.a();
        b = cluster.b();
        adminA = admin(a);
        adminB = admin(b);
        RealmRepresentation demo;
        try (InputStream in = TwoNodeClusterIT.class.getResourceAsStream("/realm-export.json")) {
            demo = new ObjectMapper().readValue(in, RealmRepresentation.class);
        }
        // Keycloak's own brute-force detection locks a user after two wrong codes within its quick-login window
        // (its own check, not the extension's): off, so that the journeys count the extension's attempts alone.
        demo.setBruteForceProtected(false);
        // Keycloak's recovery-code page, offered after a first set-up by default, has journeys of its own on the
        // main server; here it would only stand between an enrolment and its login.
        demo.getAttributes().put("twoStep.recoveryCodes", "off");
        adminA.realms().create(demo);
        REPORT.add(String.format("cluster start-up: %.1f s", cluster.startUp().toMillis() / 1000.0));
    }

    @AfterAll
    static void stopCluster() {
        if (adminA != null) {
            adminA.close();
            adminB.close();
        }
        if (cluster != null) {
            cluster.shutdown();
        }
        System.out.println("[cluster] ---- numbers ----");
        REPORT.forEach(line -> System.out.println("[cluster] " + line));
    }

    private static Keycloak admin(KeycloakNode node) {
        return Keycloak.getInstance(node.baseUrl(), "master", TwoNodeCluster.ADMIN, TwoNodeCluster.ADMIN_PASSWORD,
                "admin-cli");
    }

    private static RealmResource demo(Keycloak admin) {
        return admin.realm("demo");
    }

    private void begin() {
        journeyStart = System.nanoTime();
    }

    private void end(String journey) {
        String line = String.format("%-48s logins A=%d B=%d, failures=%d, %.1f s", journey, loginsPerNode.get(0),
                loginsPerNode.get(1), failures, (System.nanoTime() - journeyStart) / 1e9);
        REPORT.add(line);
        System.out.println("[cluster] " + line);
    }

    /** Counts a finished login on the node that answered it. */
    private void loggedInOn(KeycloakNode node, ClusterBrowser browser) {
        assertTrue(browser.loggedIn(), () -> "logged in on " + node.name() + ": " + browser.describe());
        loginsPerNode.incrementAndGet(node == a ? 0 : 1);
    }

    /**
     * Enters the code on {@code node}; saves the recovery codes offered after a first set-up and answers "remember
     * this device?" there too if asked.
     */
    private static void enterCode(ClusterBrowser browser, KeycloakNode node, String code, boolean remember)
            throws Exception {
        browser.submit(node, "kc-sms-otp-form", Map.of("code", code));
        if (browser.hasForm("kc-recovery-codes-settings-form")) {
            Map<String, String> hidden = new java.util.HashMap<>();
            java.util.regex.Matcher field = java.util.regex.Pattern
                    .compile("<input type=\"hidden\"[^>]*name=\"([^\"]+)\"[^>]*value=\"([^\"]*)\"")
                    .matcher(browser.page());
            while (field.find()) {
                hidden.put(field.group(1), field.group(2));
            }
            java.util.Arrays.stream(hidden.getOrDefault("generatedRecoveryAuthnCodes", "").split(","))
                    .filter(c -> !c.isBlank()).forEach(IssuedSecrets::text);
            browser.submit(node, "kc-recovery-codes-settings-form", hidden);
        }
        if (browser.hasForm("kc-trusted-device-offer-form")) {
            browser.submit(node, "kc-trusted-device-offer-form",
                    remember ? Map.of("rememberDevice", "on") : Map.of());
        }
    }

    private static void assertNo500(ClusterBrowser browser) {
        assertTrue(browser.status() < 500, () -> "no server error: " + browser.describe());
    }

    @Test
    @Order(1)
    void bothNodesShareOneClusterViewOfTwoMembers() throws Exception {
        KeycloakNode.ClusterView viewA = a.lastView();
        assertEquals(2, viewA.size(), () -> "A's view: " + viewA);
        assertEquals(viewA, b.lastView(), "B logged the same view");
        // The realm created through A is served by B at once: one database.
        assertEquals("demo", demo(adminB).toRepresentation().getRealm());
    }

    @Test
    @Order(2)
    void codeSentByAIsEnteredOnBAndIsSingleUseOnBoth() throws Exception {
        begin();
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(demo(adminA), "cluster-login", number);
        ClusterBrowser browser = new ClusterBrowser(null);
        browser.signIn(a, a, "cluster-login", TestUsers.PASSWORD);
        assertTrue(browser.hasForm("kc-sms-otp-form"), browser::describe);
        assertEquals(1, vonage.to(number).size(), "A sent the code");
        String code = vonage.last(number).code();
        enterCode(browser, b, code, false);
        loggedInOn(b, browser);

        // A second login of the same user: the first code is refused on both nodes, the new one works.
        ClusterBrowser again = new ClusterBrowser(null);
        again.signIn(b, a, "cluster-login", TestUsers.PASSWORD);
        assertEquals(2, vonage.to(number).size());
        String fresh = vonage.last(number).code();
        assertNotEquals(code, fresh);
        again.submit(b, "kc-sms-otp-form", Map.of("code", code));
        assertFalse(again.loggedIn(), "the used code is refused on B");
        assertTrue(again.hasForm("kc-sms-otp-form"), again::describe);
        again.submit(a, "kc-sms-otp-form", Map.of("code", code));
        assertFalse(again.loggedIn(), "the used code is refused on A");
        assertTrue(again.hasForm("kc-sms-otp-form"), again::describe);
        enterCode(again, b, fresh, false);
        loggedInOn(b, again);
        end("code sent by A, entered on B; used code refused");
    }

    @Test
    @Order(3)
    void wrongCodesOnEitherNodeUseUpTheSameAttempts() throws Exception {
        begin();
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(demo(adminA), "cluster-wrong", number);
        ClusterBrowser browser = new ClusterBrowser(null);
        browser.signIn(a, b, "cluster-wrong", TestUsers.PASSWORD);
        String code = vonage.last(number).code();
        String wrong = code.equals("000000") ? "111111" : "000000";
        for (int i = 0; i < 5; i++) { // attempts-per-code defaults to 5: three on B, two on A
            KeycloakNode node = i % 2 == 0 ? b : a;
            browser.submit(node, "kc-sms-otp-form", Map.of("code", wrong));
            assertNo500(browser);
            assertFalse(browser.loggedIn());
        }
        browser.submit(a, "kc-sms-otp-form", Map.of("code", code)); // A saw only two wrong codes itself
        assertFalse(browser.loggedIn(), "the code is void after five wrong entries on both nodes together");
        assertTrue(browser.page().contains(CODE_EXHAUSTED), browser::describe);
        end("wrong codes alternating nodes share 5 attempts");
    }

    @Test
    @Order(4)
    void numberTypedOnAAndCodeEnteredOnBBindsTheNumberForBoth() throws Exception {
        begin();
        String number = TestUsers.newNumber();
        TestUsers.needingEnrolment(demo(adminA), "cluster-enrol", null);
        ClusterBrowser browser = new ClusterBrowser(null);
        browser.signIn(b, a, "cluster-enrol", TestUsers.PASSWORD);
        assertTrue(browser.hasForm("kc-sms-enrol-form"), browser::describe);
        browser.submit(a, "kc-sms-enrol-form", Map.of("phoneNumber", number, "send", "true"));
        assertTrue(browser.hasForm("kc-sms-otp-form"), browser::describe);
        assertEquals(1, vonage.to(number).size(), "A sent the enrolment code");
        enterCode(browser, b, vonage.last(number).code(), false);
        loggedInOn(b, browser);
        for (Keycloak admin : List.of(adminA, adminB)) {
            String id = TestUsers.id(demo(admin), "cluster-enrol");
            UserRepresentation user = demo(admin).users().get(id).toRepresentation();
            assertEquals(List.of(number), user.getAttributes().get("phoneNumber"));
            assertEquals(List.of("true"), user.getAttributes().get("phoneNumberVerified"));
            assertTrue(demo(admin).users().get(id).credentials().stream()
                    .map(CredentialRepresentation::getType).anyMatch("sms-otp"::equals), "bound, seen by both");
        }
        // The next login on A asks for a code to the bound number, with no enrolment step.
        ClusterBrowser next = new ClusterBrowser(null);
        next.signIn(a, a, "cluster-enrol", TestUsers.PASSWORD);
        assertTrue(next.hasForm("kc-sms-otp-form"), next::describe);
        enterCode(next, a, vonage.last(number).code(), false);
        loggedInOn(a, next);
        end("enrolment: number on A, code on B");
    }

    @Test
    @Order(5)
    void hourlyPerUserLimitCountsSendsOfBothNodes() throws Exception {
        // The budgets count per clock hour: a run across xx:00 would start the second half on fresh counters.
        HourPin.awaitRoom(60);
        begin();
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(demo(adminA), "cluster-limit", number);
        for (int i = 0; i < TwoNodeCluster.PER_USER_PER_HOUR; i++) {
            KeycloakNode node = i % 2 == 0 ? a : b;
            ClusterBrowser browser = new ClusterBrowser(null);
            browser.signIn(node, node, "cluster-limit", TestUsers.PASSWORD);
            assertTrue(browser.hasForm("kc-sms-otp-form"), browser::describe);
            assertFalse(browser.page().contains(LIMIT_REACHED), () -> "send within the limit: " + browser.describe());
            enterCode(browser, node, vonage.last(number).code(), false);
            loggedInOn(node, browser);
        }
        assertEquals(TwoNodeCluster.PER_USER_PER_HOUR, vonage.to(number).size());
        for (KeycloakNode node : List.of(a, b)) {
            ClusterBrowser browser = new ClusterBrowser(null);
            browser.signIn(node, node, "cluster-limit", TestUsers.PASSWORD);
            assertTrue(browser.page().contains(LIMIT_REACHED), () -> node.name() + " refuses: " + browser.describe());
            assertFalse(browser.loggedIn());
        }
        assertEquals(TwoNodeCluster.PER_USER_PER_HOUR, vonage.to(number).size(), "the configured total, not twice it");
        end("per-user hourly limit, sends alternating nodes");
    }

    @Test
    @Order(6)
    void deviceRememberedOnASkipsTheSecondStepOnBUntilForgottenOnB() throws Exception {
        begin();
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(demo(adminA), "cluster-device", number);
        ClusterBrowser browser = new ClusterBrowser(null);
        browser.signIn(a, a, "cluster-device", TestUsers.PASSWORD);
        browser.submit(a, "kc-sms-otp-form", Map.of("code", vonage.last(number).code()));
        assertTrue(browser.hasForm("kc-trusted-device-offer-form"), browser::describe);
        browser.submit(a, "kc-trusted-device-offer-form", Map.of("rememberDevice", "on"));
        loggedInOn(a, browser);
        assertTrue(browser.cookieNames().stream().anyMatch(n -> n.startsWith("KC_TWO_STEP_DEVICE_")),
                () -> "device cookie set: " + browser.cookieNames());

        browser.forgetLoginSession();
        browser.signIn(b, b, "cluster-device", TestUsers.PASSWORD);
        loggedInOn(b, browser);
        assertEquals(1, vonage.to(number).size(), "B skipped the second step: no SMS");

        String id = TestUsers.id(demo(adminB), "cluster-device");
        HttpResponse<String> forget = adminCall(b, "DELETE", "/admin/realms/demo/two-step/users/" + id
                + "/trusted-devices", null);
        assertEquals(200, forget.statusCode(), forget::body);
        browser.forgetLoginSession();
        browser.signIn(a, a, "cluster-device", TestUsers.PASSWORD);
        assertTrue(browser.hasForm("kc-sms-otp-form"), () -> "A asks again: " + browser.describe());
        assertEquals(2, vonage.to(number).size());
        end("device remembered on A, skipped on B, forgotten on B");
    }

    @Test
    @Order(7)
    void policySwitchedOnThroughAIsEnforcedAtTheNextLoginOnB() throws Exception {
        begin();
        TestUsers.plain(demo(adminA), "cluster-policy");
        ClusterBrowser before = new ClusterBrowser(null);
        before.signIn(b, b, "cluster-policy", TestUsers.PASSWORD);
        loggedInOn(b, before);
        try {
            HttpResponse<String> on = adminCall(a, "PUT", "/admin/realms/demo/two-step", "{\"required\":true}");
            assertEquals(200, on.statusCode(), on::body);
            ClusterBrowser after = new ClusterBrowser(null);
            after.signIn(b, b, "cluster-policy", TestUsers.PASSWORD);
            assertFalse(after.loggedIn(), () -> "B enforces the policy: " + after.describe());
            assertTrue(after.hasForm("kc-sms-enrol-form") || after.hasForm("kc-two-step-enrolment-form"),
                    () -> "B asks for a second factor: " + after.describe());
        } finally {
            HttpResponse<String> off = adminCall(b, "PUT", "/admin/realms/demo/two-step", "{\"required\":false}");
            assertEquals(200, off.statusCode(), off::body);
        }
        ClusterBrowser offAgain = new ClusterBrowser(null);
        offAgain.signIn(a, a, "cluster-policy", TestUsers.PASSWORD);
        loggedInOn(a, offAgain);
        end("policy on through A, enforced on B");
    }

    @Test
    @Order(8)
    void accountBlockSetOnAHoldsOnBAndAnAdminResetOnBLiftsItOnA() throws Exception {
        begin();
        // cluster-wrong has 5 wrong codes from the journey above, entered on both nodes: both count 5.
        String id = TestUsers.id(demo(adminA), "cluster-wrong");
        for (KeycloakNode node : List.of(a, b)) {
            HttpResponse<String> status = adminCall(node, "GET", failuresPath(id), null);
            assertTrue(status.body().contains("\"failures\":5"), () -> node.name() + ": " + status.body());
        }
        String number = demo(adminA).users().get(id).toRepresentation().getAttributes().get("phoneNumber").get(0);
        String wrong = "000000";
        ClusterBrowser browser = new ClusterBrowser(null);
        browser.signIn(b, b, "cluster-wrong", TestUsers.PASSWORD);
        String code = vonage.last(number).code();
        if (code.equals(wrong)) {
            wrong = "111111";
        }
        browser.submit(b, "kc-sms-otp-form", Map.of("code", wrong)); // 6th: the account now waits 15 s
        assertFalse(browser.loggedIn());
        Thread.sleep(16_000);
        browser.submit(a, "kc-sms-otp-form", Map.of("code", wrong)); // 7th, on A, after the pause: blocks
        assertFalse(browser.page().contains("Wait "), () -> "A counted the 7th: " + browser.describe());
        browser.submit(b, "kc-sms-otp-form", Map.of("code", code)); // the right code, on B: still blocked
        assertFalse(browser.loggedIn(), "the block set on A holds on B");
        assertTrue(browser.page().contains(SMS_BLOCKED), browser::describe);
        HttpResponse<String> blocked = adminCall(b, "GET", failuresPath(id), null);
        assertTrue(blocked.body().contains("\"blocked\":true"), blocked::body);

        HttpResponse<String> reset = adminCall(b, "DELETE", failuresPath(id), null);
        assertEquals(204, reset.statusCode(), reset::body);
        HttpResponse<String> cleared = adminCall(a, "GET", failuresPath(id), null);
        assertTrue(cleared.body().contains("\"failures\":0"), () -> "A sees B's reset: " + cleared.body());
        ClusterBrowser after = new ClusterBrowser(null);
        after.signIn(a, a, "cluster-wrong", TestUsers.PASSWORD);
        enterCode(after, a, vonage.last(number).code(), false);
        loggedInOn(a, after);
        end("account block set on A holds on B, reset on B");
    }

    private static String failuresPath(String userId) {
        return "/admin/realms/demo/two-step/users/" + userId + "/sms-failures";
    }

    @Test
    @Order(9)
    void hourlyPerNumberLimitCountsSendsOfBothNodesAndUsers() throws Exception {
        // The budgets count per clock hour: a run across xx:00 would start the second half on fresh counters.
        HourPin.awaitRoom(60);
        begin();
        String shared = TestUsers.newNumber();
        TestUsers.withBoundNumber(demo(adminA), "cluster-number-1", shared);
        TestUsers.withBoundNumber(demo(adminA), "cluster-number-2", shared);
        for (int i = 0; i < TwoNodeCluster.PER_NUMBER_PER_HOUR; i++) {
            KeycloakNode node = i % 2 == 0 ? a : b;
            ClusterBrowser browser = new ClusterBrowser(null);
            browser.signIn(node, node, "cluster-number-" + (i / 2 % 2 + 1), TestUsers.PASSWORD);
            assertTrue(browser.hasForm("kc-sms-otp-form"), browser::describe);
            assertFalse(browser.page().contains(LIMIT_REACHED), () -> "within the limit: " + browser.describe());
        }
        assertEquals(TwoNodeCluster.PER_NUMBER_PER_HOUR, vonage.to(shared).size());
        for (KeycloakNode node : List.of(a, b)) {
            ClusterBrowser browser = new ClusterBrowser(null);
            browser.signIn(node, node, "cluster-number-2", TestUsers.PASSWORD);
            assertTrue(browser.page().contains(LIMIT_REACHED), () -> node.name() + " refuses: " + browser.describe());
        }
        assertEquals(TwoNodeCluster.PER_NUMBER_PER_HOUR, vonage.to(shared).size(), "the configured total, not twice it");
        end("per-number hourly limit, two users, both nodes");
    }

    /** What became of one login in the fault runs. */
    enum Outcome {
        /** The code page came and the code logged the user in. */
        LOGGED_IN,
        /** An error page or a refused connection: the user starts again. */
        CLEAN_ERROR,
        /** Keycloak's generic {@code 500 {"error":"unknown_error"}} answer: no stack trace, nothing skipped. */
        KEYCLOAK_500,
        /** A 500 showing an exception, or an empty one. */
        SERVER_ERROR,
        /** Logged in without the code page: a bypass. */
        SKIPPED_STEP
    }

    /**
     * One whole login: password on {@code first}, code on {@code second}. A login that ends without ever showing
     * the code page is a skipped step, whatever else happened.
     */
    private static Outcome login(KeycloakNode first, KeycloakNode second, String username, String number,
                                 List<String> errors) {
        ClusterBrowser browser = new ClusterBrowser(null);
        try {
            int sent = vonage.to(number).size();
            browser.signIn(first, first, username, TestUsers.PASSWORD);
            if (browser.loggedIn()) {
                return Outcome.SKIPPED_STEP;
            }
            if (!browser.hasForm("kc-sms-otp-form") || vonage.to(number).size() == sent) {
                return error(browser, errors);
            }
            enterCode(browser, second, vonage.last(number).code(), false);
            return browser.loggedIn() ? Outcome.LOGGED_IN : error(browser, errors);
        } catch (Exception e) {
            errors.add(username + ": " + e);
            return Outcome.CLEAN_ERROR; // the connection refused or cut: nothing was answered
        }
    }

    private static Outcome error(ClusterBrowser browser, List<String> errors) {
        errors.add(browser.describe());
        String page = browser.page();
        if (browser.status() < 500) {
            return Outcome.CLEAN_ERROR;
        }
        boolean raw = page.contains("Exception") || page.contains("\tat ") || page.isBlank();
        return raw ? Outcome.SERVER_ERROR : Outcome.KEYCLOAK_500;
    }

    /** Creates {@code count} users with their own bound numbers. @return username to number */
    private static Map<String, String> users(String prefix, int count) {
        Map<String, String> users = new java.util.LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String number = TestUsers.newNumber();
            TestUsers.withBoundNumber(demo(adminA), prefix + i, number);
            users.put(prefix + i, number);
        }
        return users;
    }

    @Test
    @Order(20)
    void codeSentByAKilledNodeIsEnteredOnB() throws Exception {
        begin();
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(demo(adminA), "cluster-kill", number);
        ClusterBrowser browser = new ClusterBrowser(null);
        browser.signIn(a, a, "cluster-kill", TestUsers.PASSWORD);
        assertTrue(browser.hasForm("kc-sms-otp-form"), browser::describe);
        String code = vonage.last(number).code();
        a.kill();
        long killed = System.nanoTime();
        enterCode(browser, b, code, false);
        assertNo500(browser);
        String outcome;
        if (browser.loggedIn()) {
            loggedInOn(b, browser);
            outcome = "logged in on B";
            // Single-use: the same code in a new login (a new code is sent) is refused.
            ClusterBrowser again = new ClusterBrowser(null);
            again.signIn(b, b, "cluster-kill", TestUsers.PASSWORD);
            again.submit(b, "kc-sms-otp-form", Map.of("code", code));
            assertFalse(again.loggedIn(), "the code is single-use after the fail-over");
        } else {
            failures++;
            assertFalse(browser.hasForm("kc-sms-otp-form") && browser.page().contains("kc-form-login"));
            outcome = "clean page on B: " + browser.describe();
        }
        REPORT.add("fault: A SIGKILLed after sending a code; the code entered on B: " + outcome);
        a.start();
        a.awaitReady(Duration.ofMinutes(3));
        cluster.awaitOneViewOfTwo(Duration.ofMinutes(2));
        REPORT.add(String.format("fault: A back in the cluster %.1f s after the kill", (System.nanoTime() - killed) / 1e9));
        ClusterBrowser after = new ClusterBrowser(null);
        after.signIn(b, a, "cluster-kill", TestUsers.PASSWORD);
        enterCode(after, a, vonage.last(number).code(), false);
        loggedInOn(a, after);
        end("A killed after sending a code, code on B");
    }

    @Test
    @Order(21)
    void loginsOnAGoOnWhileBRestartsAndBFinishesLoginsBegunWhileAway() throws Exception {
        begin();
        Map<String, String> users = users("cluster-restart-", 12);
        Map<String, String> late = users("cluster-late-", 1);
        List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger bad = new java.util.concurrent.atomic.AtomicInteger();
        Thread loop = new Thread(() -> {
            int round = 0;
            while (running.get()) {
                for (Map.Entry<String, String> user : users.entrySet()) {
                    if (round++ >= users.size() * TwoNodeCluster.PER_USER_PER_HOUR - 1 || !running.get()) {
                        return;
                    }
                    if (login(a, a, user.getKey(), user.getValue(), errors) == Outcome.LOGGED_IN) {
                        loginsPerNode.incrementAndGet(0);
                    } else {
                        bad.incrementAndGet();
                    }
                    if (!sleep(400)) {
                        return;
                    }
                }
            }
        });
        loop.start();
        Thread.sleep(500);
        b.stop();
        Map.Entry<String, String> away = late.entrySet().iterator().next();
        ClusterBrowser begunWhileAway = new ClusterBrowser(null);
        begunWhileAway.signIn(a, a, away.getKey(), TestUsers.PASSWORD);
        assertTrue(begunWhileAway.hasForm("kc-sms-otp-form"), begunWhileAway::describe);
        b.start();
        b.awaitReady(Duration.ofMinutes(3));
        cluster.awaitOneViewOfTwo(Duration.ofMinutes(2));
        running.set(false);
        loop.join(60_000);
        enterCode(begunWhileAway, b, vonage.last(away.getValue()).code(), false);
        loggedInOn(b, begunWhileAway);
        failures = bad.get();
        end("B stopped and started during logins on A");
        assertEquals(0, bad.get(), () -> "no login on A failed: " + errors);
        assertTrue(loginsPerNode.get(0) > 0, "logins ran on A meanwhile");
    }

    @Test
    @Order(22)
    void databaseGoneForSecondsNeverSkipsAStepAndRecoversWithoutRestart() throws Exception {
        begin();
        Map<String, String> users = users("cluster-db-", 16);
        Map<String, String> fresh = users("cluster-db-after-", 2);
        List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Map<Outcome, java.util.concurrent.atomic.AtomicInteger> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
        for (Outcome o : Outcome.values()) {
            outcomes.put(o, new java.util.concurrent.atomic.AtomicInteger());
        }
        List<Map.Entry<String, String>> list = new ArrayList<>(users.entrySet());
        List<Thread> loops = new ArrayList<>();
        for (int parity = 0; parity < 2; parity++) { // two users at a time: one starts on A, one on B
            int start = parity;
            loops.add(new Thread(() -> {
                for (int i = start; running.get() && i < list.size() * 2; i += 2) {
                    Map.Entry<String, String> user = list.get(i % list.size());
                    KeycloakNode first = i % 2 == 0 ? a : b;
                    KeycloakNode second = first == a ? b : a;
                    Outcome outcome = login(first, second, user.getKey(), user.getValue(), errors);
                    outcomes.get(outcome).incrementAndGet();
                    if (outcome == Outcome.LOGGED_IN) {
                        loginsPerNode.incrementAndGet(second == a ? 0 : 1);
                    }
                    if (!sleep(300)) {
                        return;
                    }
                }
            }));
        }
        loops.forEach(Thread::start);
        Thread.sleep(1500);
        cluster.postgres().stop();
        Thread.sleep(5000);
        cluster.postgres().start();
        Thread.sleep(4000); // logins go on while the pools reconnect
        running.set(false);
        for (Thread loop : loops) {
            loop.join(120_000);
        }
        failures = outcomes.get(Outcome.CLEAN_ERROR).get() + outcomes.get(Outcome.KEYCLOAK_500).get()
                + outcomes.get(Outcome.SERVER_ERROR).get();

        // Back without restarting Keycloak: a login on each node, password on one and code on the other.
        List<String> afterErrors = new ArrayList<>();
        List<Map.Entry<String, String>> freshList = new ArrayList<>(fresh.entrySet());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Outcome first;
        do {
            first = login(a, b, freshList.get(0).getKey(), freshList.get(0).getValue(), afterErrors);
        } while (first != Outcome.LOGGED_IN && first != Outcome.SKIPPED_STEP && System.nanoTime() < deadline
                && sleep(1000));
        assertEquals(Outcome.LOGGED_IN, first, () -> "after the database is back: " + afterErrors);
        assertEquals(Outcome.LOGGED_IN, login(b, a, freshList.get(1).getKey(), freshList.get(1).getValue(),
                afterErrors), () -> "B too: " + afterErrors);
        loginsPerNode.incrementAndGet(1);
        loginsPerNode.incrementAndGet(0);
        REPORT.add("fault: database stopped 5 s: outcomes " + outcomes + "; what failed logins got: "
                + errors.stream().map(e -> e.replaceAll("https?://\\S+", "").trim())
                .map(e -> e.substring(0, Math.min(140, e.length()))).distinct().limit(6).toList());
        end("database stopped 5 s during logins on both nodes");
        assertEquals(0, outcomes.get(Outcome.SKIPPED_STEP).get(), "no login skipped the code");
        assertEquals(0, outcomes.get(Outcome.SERVER_ERROR).get(), () -> "no raw server error: " + errors);
    }

    @Test
    @Order(30)
    void productionLogsOfBothNodesHoldNoCodeNumberOrSecret() throws Exception {
        List<String> secrets = new ArrayList<>();
        for (FakeVonage.Sms sms : vonage.received()) {
            secrets.add(sms.to());
            secrets.add(sms.code());
        }
        secrets.add(FakeVonage.API_SECRET);
        assertTrue(secrets.size() > 50, "this run sent the SMS the check is about: " + secrets.size());
        for (KeycloakNode node : List.of(a, b)) {
            String log = java.nio.file.Files.readString(node.log());
            assertTrue(log.contains("type=\"LOGIN_ERROR\""), node.name() + "'s log holds the run's login events");
            assertEquals(List.of(), io.twostep.keycloak.support.LogScanner.leaks(log,
                    secrets.stream().distinct().toList()), "secrets in node " + node.name() + "'s log");
        }
    }

    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** An admin REST call with a token from A's master realm, to {@code node}. */
    private static HttpResponse<String> adminCall(KeycloakNode node, String method, String path, String json)
            throws Exception {
        String token = adminA.tokenManager().getAccessTokenString();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
        if (json != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
