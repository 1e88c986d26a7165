package io.twostep.keycloak.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The readiness report on a realm seeded with known defects (the demo users plus these). */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class ReadinessReportTest extends AbstractJourneyTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void reportCountsAndListsEachDefect() throws Exception {
        String shared = TestUsers.newNumber();
        TestUsers.plain(realm.admin(), "ready-no-phone");                        // no number, no factor
        TestUsers.plainWithPhone(realm.admin(), "ready-landline", "030 1234567"); // not a mobile
        TestUsers.plainWithPhone(realm.admin(), "ready-shared-1", shared);
        TestUsers.plainWithPhone(realm.admin(), "ready-shared-2", shared);
        TestUsers.withBoundNumber(realm.admin(), "ready-fine", TestUsers.newNumber());
        // demo users: alice (bound number), bob (no number, no factor), carol (number on file, no factor)

        HttpResponse<String> response = adminCall("GET", "two-step/readiness", null, adminToken(), "application/json");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode report = json.readTree(response.body());
        assertEquals(8, report.path("users").asInt());
        assertEquals(Set.of("ready-no-phone", "bob"), usernames(report.path("noPhoneNumber")));
        assertEquals(Set.of("ready-landline"), usernames(report.path("invalidPhoneNumber")));
        assertEquals(Set.of("ready-shared-1", "ready-shared-2"), usernames(report.path("sharedPhoneNumber")));
        assertEquals(Set.of("ready-no-phone", "ready-landline", "ready-shared-1", "ready-shared-2", "bob", "carol"),
                usernames(report.path("noSecondFactor")));
        assertTrue(report.path("flows").path("browser").path("enforcesPolicy").asBoolean());
        assertEquals("browser-two-step", report.path("flows").path("browser").path("alias").asText());
        assertTrue(report.path("flows").path("directGrant").path("enforcesPolicy").asBoolean());
        assertTrue(report.path("flows").path("registration").path("enforcesPolicy").asBoolean());
        assertFalse(report.path("flows").path("registration").path("inUse").asBoolean(), "registration is off");
        assertEquals("reset credentials two-step", report.path("flows").path("resetCredentials").path("alias").asText());
        assertTrue(report.path("flows").path("resetCredentials").path("enforcesPolicy").asBoolean());
        assertTrue(!response.body().contains(shared.substring(3)), "the report lists no phone numbers");

        JsonNode page = json.readTree(adminCall("GET", "two-step/readiness?first=2&max=3", null, adminToken(), "application/json").body()).path("noSecondFactor");
        assertEquals(6, page.path("count").asInt(), "the count ignores paging");
        assertEquals(3, page.path("users").size());

        HttpResponse<String> csv = adminCall("GET", "two-step/readiness", null, adminToken(), "text/csv");
        assertEquals(200, csv.statusCode());
        assertTrue(csv.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
        String[] lines = csv.body().split("\n");
        assertEquals("category,id,username", lines[0]);
        assertEquals(1 + 2 + 1 + 2 + 6, lines.length);
        assertTrue(csv.body().contains("\ninvalidPhoneNumber," + TestUsers.id(realm.admin(), "ready-landline") + ",ready-landline\n"));
    }

    /** A client bound to its own browser flow bypasses the realm's binding: the report names it. */
    @Test
    void clientFlowOverridesAreCheckedToo() throws Exception {
        String plainBrowser = realm.admin().flows().getFlows().stream()
                .filter(f -> "browser".equals(f.getAlias())).findFirst().orElseThrow().getId();
        var client = realm.admin().clients().get(realm.admin().clients().findByClientId("demo-app").get(0).getId());
        var rep = client.toRepresentation();
        rep.setAuthenticationFlowBindingOverrides(Map.of("browser", plainBrowser));
        client.update(rep);
        try {
            JsonNode overrides = json.readTree(adminCall("GET", "two-step/readiness", null, adminToken(),
                    "application/json").body()).path("flows").path("clientOverrides");
            assertEquals(1, overrides.size(), overrides.toString());
            assertEquals("demo-app", overrides.get(0).path("clientId").asText());
            assertEquals("browser", overrides.get(0).path("binding").asText());
            assertEquals("browser", overrides.get(0).path("alias").asText());
            assertFalse(overrides.get(0).path("enforcesPolicy").asBoolean(), "Keycloak's plain browser flow");
        } finally {
            rep.setAuthenticationFlowBindingOverrides(Map.of());
            client.update(rep);
        }
    }

    private Set<String> usernames(JsonNode category) {
        Set<String> names = new HashSet<>();
        category.path("users").forEach(u -> names.add(u.path("username").asText()));
        assertEquals(category.path("count").asInt(), names.size(), "all listed on one page: " + category);
        return names;
    }
}
