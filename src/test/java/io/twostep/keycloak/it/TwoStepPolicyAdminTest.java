package io.twostep.keycloak.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.AdminEventRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The realm's two-step policy through the admin REST API and realm import (issue: realm-wide policy). */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class TwoStepPolicyAdminTest extends AbstractJourneyTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    private String url() {
        return realm.getBaseUrl().replace("/realms/", "/admin/realms/") + "/two-step";
    }

    @Test
    void importedSettingsAreReadBack() throws Exception {
        JsonNode policy = json.readTree(send("GET", null, adminToken()).body());
        assertEquals(false, policy.path("required").asBoolean());
        assertEquals("any", policy.path("method").asText());
        assertEquals(90, policy.path("trustedDeviceDays").asInt());
        assertEquals(0, policy.path("enrolmentGraceDays").asInt());
    }

    @Test
    void partialUpdateTouchesOnlyTwoStepAttributesAndIsAnAdminEvent() throws Exception {
        RealmRepresentation rep = realm.admin().toRepresentation();
        rep.getAttributes().put("custom.keep", "me");
        realm.admin().update(rep);

        HttpResponse<String> updated = send("PUT", "{\"method\":\"sms\",\"required\":true}", adminToken());
        assertEquals(200, updated.statusCode(), updated.body());
        JsonNode policy = json.readTree(send("GET", null, adminToken()).body());
        assertEquals("sms", policy.path("method").asText());
        assertTrue(policy.path("required").asBoolean());
        assertTrue(policy.path("requiredSince").asLong() > 1_700_000_000L, "switch-on time recorded");
        assertEquals(90, policy.path("trustedDeviceDays").asInt(), "keys left out keep their value");
        Map<String, String> attributes = realm.admin().toRepresentation().getAttributes();
        assertEquals("me", attributes.get("custom.keep"), "other realm attributes are kept");
        assertEquals("sms", attributes.get("twoStep.method"));

        List<AdminEventRepresentation> events = realm.admin().getAdminEvents(List.of("UPDATE"), null, null, null,
                null, "two-step", null, null, 0, 10);
        assertEquals(1, events.size());
        JsonNode change = json.readTree(events.get(0).getRepresentation());
        assertEquals("any", change.path("old").path("method").asText());
        assertEquals("sms", change.path("new").path("method").asText());
        assertEquals(false, change.path("old").path("required").asBoolean());

        assertEquals(200, send("PUT", "{\"required\":false,\"method\":\"any\"}", adminToken()).statusCode());
    }

    @Test
    void invalidValuesAreRefusedWithAClearMessage() throws Exception {
        Map<String, String> refused = Map.of(
                "{\"method\":\"email\"}", "method must be one of otp, sms, any",
                "{\"trustedDeviceDays\":400}", "trustedDeviceDays must be a whole number from 0 to 365",
                "{\"enrolmentGraceDays\":-1}", "enrolmentGraceDays must be a whole number from 0 to 365",
                "{\"required\":\"yes\"}", "required must be true or false",
                "{\"colour\":\"blue\"}", "unknown setting: colour");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            HttpResponse<String> response = send("PUT", e.getKey(), adminToken());
            assertEquals(400, response.statusCode(), e.getKey());
            assertTrue(response.body().contains(e.getValue()), response.body());
        }
        assertEquals(400, send("PUT", "[1,2]", adminToken()).statusCode());
        assertEquals("any", realm.admin().toRepresentation().getAttributes().get("twoStep.method"), "nothing changed");
    }

    @Test
    void viewRealmReadsOnlyManageRealmWrites() throws Exception {
        TestUsers.plain(realm.admin(), "policy-viewer");
        String viewerId = TestUsers.id(realm.admin(), "policy-viewer");
        var realmManagement = realm.admin().clients().findByClientId("realm-management").get(0);
        var viewRealm = realm.admin().clients().get(realmManagement.getId()).roles().get("view-realm").toRepresentation();
        realm.admin().users().get(viewerId).roles().clientLevel(realmManagement.getId()).add(List.of(viewRealm));
        String viewerToken = oauth.doPasswordGrantRequest("policy-viewer", TestUsers.PASSWORD).getAccessToken();

        assertEquals(200, send("GET", null, viewerToken).statusCode());
        assertEquals(403, send("PUT", "{\"required\":true}", viewerToken).statusCode());

        TestUsers.plain(realm.admin(), "policy-nobody");
        String nobody = oauth.doPasswordGrantRequest("policy-nobody", TestUsers.PASSWORD).getAccessToken();
        assertEquals(403, send("GET", null, nobody).statusCode());
        assertEquals(403, send("PUT", "{\"required\":true}", nobody).statusCode());
        assertEquals("false", realm.admin().toRepresentation().getAttributes().get("twoStep.required"));
    }

    private HttpResponse<String> send(String method, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url()))
                .header("Authorization", "Bearer " + token).header("Accept", "application/json");
        if (body != null) {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String adminToken() throws Exception {
        String form = "grant_type=password&client_id=admin-cli&username=admin&password=admin";
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(
                        realm.getBaseUrl().replace("/realms/demo", "/realms/master") + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        return json.readTree(response.body()).path("access_token").asText();
    }
}
