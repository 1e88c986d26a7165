package io.twostep.keycloak.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.twostep.keycloak.support.FakeVonage;
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

    /** Enters the code on {@code node}; answers "remember this device?" there too if asked. */
    private static void enterCode(ClusterBrowser browser, KeycloakNode node, String code, boolean remember)
            throws Exception {
        browser.submit(node, "kc-sms-otp-form", Map.of("code", code));
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
