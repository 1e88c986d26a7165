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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
            rep.setAuthenticationFlowBindingOverrides(Map.of("browser", "")); // an empty id removes it
            client.update(rep);
        }
    }

    /**
     * A client overriding the direct grant with a copy whose OTP check is disabled: the report names it, switching
     * on is refused, and if the override comes after the switch, the safety net refuses the app user's password
     * grant instead of issuing tokens for the password alone.
     */
    @Test
    void aClientDirectGrantOverrideWithoutTheOtpCheckIsFoundAndItsPasswordGrantsAreRefused() throws Exception {
        realm.admin().flows().copy("direct grant", new java.util.HashMap<>(Map.of("newName", "no-otp grant")))
                .close();
        for (var e : realm.admin().flows().getExecutions("no-otp grant")) {
            if (e.getDisplayName().contains("Conditional OTP")) {
                e.setRequirement("DISABLED");
                realm.admin().flows().updateExecutions("no-otp grant", e);
            }
        }
        String flowId = realm.admin().flows().getFlows().stream().filter(f -> "no-otp grant".equals(f.getAlias()))
                .findFirst().orElseThrow().getId();
        TestUsers.withBoundNumberAndTotp(realm.admin(), "ready-app-user", TestUsers.newNumber());
        var client = oauth.clientResource();
        var rep = client.toRepresentation();
        try {
            rep.setAuthenticationFlowBindingOverrides(Map.of("direct_grant", flowId));
            client.update(rep);
            JsonNode flows = json.readTree(adminCall("GET", "two-step/readiness", null, adminToken(),
                    "application/json").body()).path("flows");
            JsonNode override = null;
            for (JsonNode o : flows.path("clientOverrides")) {
                if ("direct_grant".equals(o.path("binding").asText())) {
                    override = o;
                }
            }
            assertNotNull(override, flows.toString());
            assertEquals("no-otp grant", override.path("alias").asText());
            assertFalse(override.path("enforcesPolicy").asBoolean());
            assertTrue(override.path("reasons").get(0).asText().contains("OTP check"), override.toString());
            assertFalse(flows.path("enforcesPolicy").asBoolean());
            HttpResponse<String> refused = adminCall("PUT", "two-step", "{\"required\":true,\"method\":\"otp\"}",
                    adminToken(), "application/json");
            assertEquals(409, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("no-otp grant"), refused.body());

            rep.setAuthenticationFlowBindingOverrides(Map.of("direct_grant", "")); // an empty id removes it
            client.update(rep);
            HttpResponse<String> on = adminCall("PUT", "two-step", "{\"required\":true,\"method\":\"otp\"}",
                    adminToken(), "application/json");
            assertEquals(200, on.statusCode(), on.body());
            rep.setAuthenticationFlowBindingOverrides(Map.of("direct_grant", flowId));
            client.update(rep);
            var grant = oauth.doPasswordGrantRequest("ready-app-user", TestUsers.PASSWORD);
            assertNull(grant.getAccessToken(), "the password alone gets no tokens");
            assertEquals("invalid_grant", grant.getError());
        } finally {
            rep.setAuthenticationFlowBindingOverrides(Map.of("direct_grant", ""));
            client.update(rep);
            adminCall("PUT", "two-step", "{\"required\":false,\"method\":\"any\"}", adminToken(), "application/json");
        }
    }

    /** An identity provider without a post login flow lets its logins skip the second step: the report names it. */
    @Test
    void anIdentityProviderWithoutAPostLoginFlowIsFound() throws Exception {
        var idp = new org.keycloak.representations.idm.IdentityProviderRepresentation();
        idp.setAlias("ready-partner");
        idp.setProviderId("oidc");
        idp.setEnabled(true);
        idp.setConfig(new java.util.HashMap<>(Map.of("clientId", "x", "clientSecret", "y", "authorizationUrl",
                "http://localhost:1/auth", "tokenUrl", "http://localhost:1/token", "clientAuthMethod",
                "client_secret_post")));
        realm.admin().identityProviders().create(idp).close();
        try {
            JsonNode flows = json.readTree(adminCall("GET", "two-step/readiness", null, adminToken(),
                    "application/json").body()).path("flows");
            JsonNode found = flows.path("identityProviders").get(0);
            assertEquals("ready-partner", found.path("alias").asText(), flows.toString());
            assertFalse(found.path("enforcesPolicy").asBoolean());
            assertTrue(flows.path("gaps").toString().contains("identity provider 'ready-partner' has no post login flow"),
                    flows.toString());
        } finally {
            realm.admin().identityProviders().get("ready-partner").remove();
        }
    }

    private Set<String> usernames(JsonNode category) {
        Set<String> names = new HashSet<>();
        category.path("users").forEach(u -> names.add(u.path("username").asText()));
        assertEquals(category.path("count").asInt(), names.size(), "all listed on one page: " + category);
        return names;
    }
}
