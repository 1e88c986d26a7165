package io.twostep.keycloak.smoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.LogScanner;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.cluster.ClusterBrowser;
import io.twostep.keycloak.support.cluster.KeycloakNode;
import io.twostep.keycloak.support.smoke.SmokeServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.CredentialRepresentation;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The smoke journeys on the oldest supported Keycloak ({@code keycloak.smoke.version}, a real server from its
 * {@code keycloak-quarkus-dist}, see {@link SmokeServer}), with the jars this build made: the demo realm as shipped
 * imports through the admin REST API, a user enrols a number, logs in by SMS (a wrong code first, counted once by
 * Keycloak's brute-force detection), the policy switched on sends a user without a second factor to enrolment, and
 * a remembered device skips the code until an admin forgets it. The whole suite runs on the version the extension
 * is compiled against; this class is what proves the older one. Runs in Failsafe's {@code integration-test} phase.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OldestKeycloakSmokeIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> REPORT = new ArrayList<>();

    static SmokeServer server;
    static KeycloakNode node;
    static Keycloak admin;
    static FakeVonage vonage;
    private long journeyStart;

    @BeforeAll
    static void startServerAndImportTheDemoRealm() throws Exception {
        assumeTrue(SmokeServer.available(), "the smoke test needs the distribution Maven unpacks to target/smoke "
                + "in the pre-integration-test phase (mvn verify)");
        vonage = FakeVonage.instance();
        server = SmokeServer.start();
        node = server.node();
        admin = Keycloak.getInstance(node.baseUrl(), "master", SmokeServer.ADMIN, SmokeServer.ADMIN_PASSWORD,
                "admin-cli");
        REPORT.add(String.format("Keycloak %s start-up (copy, providers, start-dev): %.1f s",
                server.distributionVersion(), server.startUp().toMillis() / 1000.0));
        // The file as shipped, byte for byte, as an operator imports it (admin console "Create realm", or this call).
        byte[] realm;
        try (InputStream in = OldestKeycloakSmokeIT.class.getResourceAsStream("/realm-export.json")) {
            realm = in.readAllBytes();
        }
        HttpResponse<String> created = adminCall("POST", "/admin/realms",
                HttpRequest.BodyPublishers.ofByteArray(realm));
        assertEquals(201, created.statusCode(), () -> "realm-export.json imports on Keycloak "
                + server.distributionVersion() + ": " + created.body());
        // These journeys check enrolment, login and the policy; Keycloak's recovery-code page, offered after a first
        // set-up by default, has journeys of its own on the main server.
        HttpResponse<String> noCodes = adminCall("PUT", "/admin/realms/demo/two-step", "{\"recoveryCodes\":\"off\"}");
        assertEquals(200, noCodes.statusCode(), noCodes::body);
    }

    @AfterAll
    static void stopServer() {
        if (admin != null) {
            admin.close();
        }
        if (server != null) {
            server.stop();
        }
        REPORT.forEach(line -> System.out.println("[smoke] " + line));
    }

    private static RealmResource demo() {
        return admin.realm("demo");
    }

    private void begin() {
        journeyStart = System.nanoTime();
    }

    private void end(String journey) {
        REPORT.add(String.format("%-56s %.1f s", journey, (System.nanoTime() - journeyStart) / 1e9));
    }

    private static HttpResponse<String> adminCall(String method, String path, HttpRequest.BodyPublisher body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + admin.tokenManager().getAccessTokenString())
                .header("Content-Type", "application/json")
                .method(method, body);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> adminCall(String method, String path, String json) throws Exception {
        return adminCall(method, path, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json));
    }

    private static JsonNode bruteForceStatus(String userId) throws Exception {
        HttpResponse<String> response = adminCall("GET", "/admin/realms/demo/attack-detection/brute-force/users/"
                + userId, (String) null);
        assertEquals(200, response.statusCode(), response::body);
        return JSON.readTree(response.body());
    }

    private static void assertLoggedIn(ClusterBrowser browser) {
        assertTrue(browser.loggedIn(), () -> "logged in: " + browser.describe());
    }

    /** Enters the code; answers "remember this device?" if asked. */
    private static void enterCode(ClusterBrowser browser, String code, boolean remember) throws Exception {
        browser.submit(node, "kc-sms-otp-form", Map.of("code", code));
        if (browser.hasForm("kc-trusted-device-offer-form")) {
            browser.submit(node, "kc-trusted-device-offer-form",
                    remember ? Map.of("rememberDevice", "on") : Map.of());
        }
    }

    @Test
    @Order(1)
    void theServerIsTheVersionUnderTest() throws Exception {
        HttpResponse<String> info = adminCall("GET", "/admin/serverinfo", (String) null);
        assertEquals(200, info.statusCode(), info::body);
        assertEquals(SmokeServer.version(), JSON.readTree(info.body()).path("systemInfo").path("version").asText(),
                "the smoke test runs on keycloak.smoke.version, not on the suite's Keycloak");
        assertEquals("demo", demo().toRepresentation().getRealm());
    }

    @Test
    @Order(2)
    void enrolmentBindsTheNumberWithTheCodeSentToIt() throws Exception {
        begin();
        String number = TestUsers.newNumber();
        TestUsers.needingEnrolment(demo(), "smoke-enrol", null);
        ClusterBrowser browser = new ClusterBrowser(null);
        browser.signIn(node, node, "smoke-enrol", TestUsers.PASSWORD);
        assertTrue(browser.hasForm("kc-sms-enrol-form"), browser::describe);
        browser.submit(node, "kc-sms-enrol-form", Map.of("phoneNumber", number, "send", "true"));
        assertTrue(browser.hasForm("kc-sms-otp-form"), browser::describe);
        assertEquals(1, vonage.to(number).size(), "the enrolment code went to the typed number");
        enterCode(browser, vonage.last(number).code(), false);
        assertLoggedIn(browser);
        String id = TestUsers.id(demo(), "smoke-enrol");
        assertEquals(List.of(number), demo().users().get(id).toRepresentation().getAttributes().get("phoneNumber"));
        assertTrue(demo().users().get(id).credentials().stream().map(CredentialRepresentation::getType)
                .anyMatch("sms-otp"::equals), "the number is bound as an sms-otp credential");
        end("enrolment: number typed, code entered, bound");
    }

    @Test
    @Order(3)
    void smsLoginTakesTheRightCodeAfterAWrongOneCountedOnce() throws Exception {
        begin();
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(demo(), "smoke-login", number);
        ClusterBrowser browser = new ClusterBrowser(null);
        browser.signIn(node, node, "smoke-login", TestUsers.PASSWORD);
        assertTrue(browser.hasForm("kc-sms-otp-form"), browser::describe);
        String code = vonage.last(number).code();
        String wrong = code.equals("000000") ? "111111" : "000000";
        browser.submit(node, "kc-sms-otp-form", Map.of("code", wrong));
        assertTrue(browser.status() < 500, () -> "a wrong code is a form error, not a server error: "
                + browser.describe());
        assertTrue(browser.hasForm("kc-sms-otp-form"), browser::describe);
        assertFalse(browser.loggedIn());
        // The demo realm has Keycloak's brute-force detection on: the wrong code is one failure there, not two
        // (two within its quick-login check of 1 s would lock the account). The detector counts asynchronously.
        String id = TestUsers.id(demo(), "smoke-login");
        JsonNode status = bruteForceStatus(id);
        for (int i = 0; i < 50 && status.path("numFailures").asInt() == 0; i++) {
            Thread.sleep(100);
            status = bruteForceStatus(id);
        }
        Thread.sleep(300);
        status = bruteForceStatus(id);
        assertEquals(1, status.path("numFailures").asInt(), status::toString);
        assertFalse(status.path("disabled").asBoolean(), status::toString);
        Thread.sleep(1_200); // a real user's pace, beyond the quick-login check
        enterCode(browser, code, false);
        assertLoggedIn(browser);
        end("SMS login: wrong code, then the right one");
    }

    @Test
    @Order(4)
    void policySwitchedOnSendsAUserWithoutASecondFactorToEnrolment() throws Exception {
        begin();
        TestUsers.plain(demo(), "smoke-policy");
        ClusterBrowser before = new ClusterBrowser(null);
        before.signIn(node, node, "smoke-policy", TestUsers.PASSWORD);
        assertLoggedIn(before);
        String number = TestUsers.newNumber();
        try {
            HttpResponse<String> on = adminCall("PUT", "/admin/realms/demo/two-step",
                    "{\"required\":true,\"method\":\"sms\"}");
            assertEquals(200, on.statusCode(), on::body);
            ClusterBrowser after = new ClusterBrowser(null);
            after.signIn(node, node, "smoke-policy", TestUsers.PASSWORD);
            assertFalse(after.loggedIn(), () -> "the policy is enforced: " + after.describe());
            assertTrue(after.hasForm("kc-sms-enrol-form"), () -> "asked for a number: " + after.describe());
            after.submit(node, "kc-sms-enrol-form", Map.of("phoneNumber", number, "send", "true"));
            enterCode(after, vonage.last(number).code(), false);
            assertLoggedIn(after);
            ClusterBrowser next = new ClusterBrowser(null);
            next.signIn(node, node, "smoke-policy", TestUsers.PASSWORD);
            assertTrue(next.hasForm("kc-sms-otp-form"), () -> "the next login asks for a code: " + next.describe());
        } finally {
            HttpResponse<String> off = adminCall("PUT", "/admin/realms/demo/two-step", "{\"required\":false}");
            assertEquals(200, off.statusCode(), off::body);
        }
        end("policy on: enrolment at the next login");
    }

    @Test
    @Order(5)
    void rememberedDeviceSkipsTheCodeUntilAnAdminForgetsIt() throws Exception {
        begin();
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(demo(), "smoke-device", number);
        ClusterBrowser browser = new ClusterBrowser(null);
        browser.signIn(node, node, "smoke-device", TestUsers.PASSWORD);
        browser.submit(node, "kc-sms-otp-form", Map.of("code", vonage.last(number).code()));
        assertTrue(browser.hasForm("kc-trusted-device-offer-form"), browser::describe);
        browser.submit(node, "kc-trusted-device-offer-form", Map.of("rememberDevice", "on"));
        assertLoggedIn(browser);
        browser.forgetLoginSession();
        browser.signIn(node, node, "smoke-device", TestUsers.PASSWORD);
        assertLoggedIn(browser);
        assertEquals(1, vonage.to(number).size(), "the remembered device skipped the code: no second SMS");
        String id = TestUsers.id(demo(), "smoke-device");
        HttpResponse<String> forget = adminCall("DELETE", "/admin/realms/demo/two-step/users/" + id
                + "/trusted-devices", (String) null);
        assertEquals(200, forget.statusCode(), forget::body);
        browser.forgetLoginSession();
        browser.signIn(node, node, "smoke-device", TestUsers.PASSWORD);
        assertTrue(browser.hasForm("kc-sms-otp-form"), () -> "asked again: " + browser.describe());
        assertEquals(2, vonage.to(number).size());
        end("remembered device: skipped, forgotten, asked again");
    }

    @Test
    @Order(6)
    void readinessReportReadsTheUsersAndFlows() throws Exception {
        // Its bulk queries read Keycloak's own JPA entities: tied to the server's schema, so worth one call here.
        HttpResponse<String> response = adminCall("GET", "/admin/realms/demo/two-step/readiness", (String) null);
        assertEquals(200, response.statusCode(), response::body);
        JsonNode report = JSON.readTree(response.body());
        assertTrue(report.path("flows").path("browser").path("enforcesPolicy").asBoolean(), response::body);
        java.util.Set<String> withoutFactor = new java.util.HashSet<>();
        report.path("noSecondFactor").path("users").forEach(u -> withoutFactor.add(u.path("username").asText()));
        assertTrue(withoutFactor.contains("bob"), () -> "bob has no second factor: " + response.body());
        assertFalse(withoutFactor.contains("smoke-login"), () -> "smoke-login has one: " + response.body());
    }

    @Test
    @Order(7)
    void savingTheAdminConsoleTabPutsThePolicyInForce() throws Exception {
        // What the admin console's "Two-step login" tab (declarative UI) sends on save.
        String realmId = demo().toRepresentation().getId();
        String tab = "{\"name\":\"Two-step login\",\"providerId\":\"Two-step login\","
                + "\"providerType\":\"org.keycloak.services.ui.extend.UiTabProvider\",\"parentId\":\"" + realmId
                + "\",\"config\":{\"trustedDeviceDays\":[\"30\"]}}";
        HttpResponse<String> saved = adminCall("POST", "/admin/realms/demo/components", tab);
        assertEquals(201, saved.statusCode(), saved::body);
        assertEquals("30", demo().toRepresentation().getAttributes().get("twoStep.trustedDeviceDays"));
    }

    @Test
    @Order(30)
    void theServerLogHoldsNoCodeNumberOrSecret() throws Exception {
        List<String> secrets = new ArrayList<>();
        for (FakeVonage.Sms sms : vonage.received()) {
            secrets.add(sms.to());
            secrets.add(sms.code());
        }
        secrets.add(FakeVonage.API_SECRET);
        assertTrue(secrets.size() > 8, "this run sent the SMS the check is about: " + secrets.size());
        String log = Files.readString(node.log());
        assertTrue(log.contains("type=\"LOGIN_ERROR\""), "the log holds the run's login events");
        assertEquals(List.of(), LogScanner.leaks(log, secrets.stream().distinct().toList()),
                "secrets in the smoke server's log");
    }
}
