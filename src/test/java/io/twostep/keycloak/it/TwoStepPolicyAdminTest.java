package io.twostep.keycloak.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.AdminEventRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The realm's two-step policy through the admin REST API and realm import (issue: realm-wide policy). */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class TwoStepPolicyAdminTest extends AbstractJourneyTest {

    private final ObjectMapper json = new ObjectMapper();

    /** Every test leaves the realm's policy as imported, whatever it changed and wherever it failed. */
    @AfterEach
    void restoreImportedPolicy() throws Exception {
        HttpResponse<String> restored = adminCall("PUT", "two-step", "{\"required\":false,\"method\":\"any\","
                + "\"enrolmentGraceDays\":0,\"trustedDeviceDays\":90}", adminToken(), "application/json");
        assertEquals(200, restored.statusCode(), restored.body());
    }

    @Test
    void importedSettingsAreReadBack() throws Exception {
        JsonNode policy = json.readTree(adminCall("GET", "two-step", null, adminToken(), "application/json").body());
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

        HttpResponse<String> updated = adminCall("PUT", "two-step", "{\"method\":\"sms\",\"required\":true}", adminToken(), "application/json");
        assertEquals(200, updated.statusCode(), updated.body());
        JsonNode policy = json.readTree(adminCall("GET", "two-step", null, adminToken(), "application/json").body());
        assertEquals("sms", policy.path("method").asText());
        assertTrue(policy.path("required").asBoolean());
        assertTrue(policy.path("requiredSince").asLong() > 1_700_000_000L, "switch-on time recorded");
        assertEquals(90, policy.path("trustedDeviceDays").asInt(), "keys left out keep their value");
        Map<String, String> attributes = realm.admin().toRepresentation().getAttributes();
        assertEquals("me", attributes.get("custom.keep"), "other realm attributes are kept");
        assertEquals("sms", attributes.get("twoStep.method"));

        List<AdminEventRepresentation> events = realm.admin().getAdminEvents(List.of("UPDATE"), null, null, null,
                null, "two-step", null, null, 0, 10);
        JsonNode change = null;
        for (AdminEventRepresentation event : events) {
            JsonNode candidate = json.readTree(event.getRepresentation());
            if ("sms".equals(candidate.path("new").path("method").asText())) {
                change = candidate;
            }
        }
        assertTrue(change != null, "an admin event for this change among " + events.size());
        assertEquals("any", change.path("old").path("method").asText());
        assertEquals("sms", change.path("new").path("method").asText());
        assertEquals(false, change.path("old").path("required").asBoolean());

        assertEquals(200, adminCall("PUT", "two-step", "{\"required\":false,\"method\":\"any\"}", adminToken(), "application/json").statusCode());
    }

    /** Sessions begun before the switch end with it when the admin asks: refresh tokens and the SSO cookie die. */
    @Test
    void endSessionsWithTheSwitchSignsEveryoneOut() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "end-sessions", number);
        passwordStep("end-sessions");
        codePage.enterCode(vonage.last(number).code());
        declineDeviceOffer();
        assertLoggedIn();
        String refresh = oauth.doAccessTokenRequest(oauth.parseLoginResponse().getCode()).getRefreshToken();
        String userId = TestUsers.id(realm.admin(), "end-sessions");
        assertEquals(1, realm.admin().users().get(userId).getUserSessions().size());

        TestUsers.plain(realm.admin(), "manage-realm-only");
        var realmManagement = realm.admin().clients().findByClientId("realm-management").get(0);
        realm.admin().users().get(TestUsers.id(realm.admin(), "manage-realm-only")).roles()
                .clientLevel(realmManagement.getId()).add(List.of(realm.admin().clients().get(realmManagement.getId())
                        .roles().get("manage-realm").toRepresentation()));
        String manageRealmToken = oauth.doPasswordGrantRequest("manage-realm-only", TestUsers.PASSWORD).getAccessToken();
        assertEquals(403, adminCall("PUT", "two-step", "{\"endSessions\":true}", manageRealmToken,
                "application/json").statusCode(), "ending sessions needs manage-users too");
        assertEquals(1, realm.admin().users().get(userId).getUserSessions().size(), "nothing ended");
        assertEquals(400, adminCall("PUT", "two-step", "{\"endSessions\":\"yes\"}", adminToken(),
                "application/json").statusCode());

        HttpResponse<String> ended = adminCall("PUT", "two-step", "{\"endSessions\":true}", adminToken(),
                "application/json");
        assertEquals(200, ended.statusCode(), ended.body());
        assertEquals(0, realm.admin().users().get(userId).getUserSessions().size(), "the SSO session ended");
        assertEquals("invalid_grant", oauth.doRefreshTokenRequest(refresh).getError(), "refresh tokens are refused");
        oauth.openLoginForm();
        assertTrue(driver.driver().findElements(org.openqa.selenium.By.id("password")).size() == 1,
                "the browser is asked for the password again");
        assertTrue(realm.admin().getAdminEvents(List.of("UPDATE"), null, null, null, null, "two-step", null, null,
                0, 20).stream().anyMatch(e -> e.getRepresentation() != null
                && e.getRepresentation().contains("\"endSessions\":true")), "the admin event says so");
    }

    /** While the policy is on, an admin cannot take the login-time safety net away: it comes back at once. */
    @Test
    void theSafetyNetStaysWhileThePolicyIsOn() throws Exception {
        assertEquals(200, adminCall("PUT", "two-step", "{\"required\":true}", adminToken(), "application/json")
                .statusCode());
        var flows = realm.admin().flows();
        var check = flows.getRequiredAction("two-step-login-check");
        check.setEnabled(false);
        flows.updateRequiredAction("two-step-login-check", check);
        assertTrue(flows.getRequiredAction("two-step-login-check").isEnabled(), "enabled again while the policy is on");

        flows.removeRequiredAction("two-step-login-check");
        assertTrue(flows.getRequiredActions().stream().anyMatch(a -> "two-step-login-check".equals(a.getProviderId())
                && a.isEnabled()), "registered again while the policy is on");

        assertEquals(200, adminCall("PUT", "two-step", "{\"required\":false}", adminToken(), "application/json")
                .statusCode());
        check = flows.getRequiredAction("two-step-login-check");
        check.setEnabled(false);
        flows.updateRequiredAction("two-step-login-check", check);
        assertTrue(!flows.getRequiredAction("two-step-login-check").isEnabled(), "with the policy off it may go");
        check.setEnabled(true);
        flows.updateRequiredAction("two-step-login-check", check);
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
            HttpResponse<String> response = adminCall("PUT", "two-step", e.getKey(), adminToken(), "application/json");
            assertEquals(400, response.statusCode(), e.getKey());
            assertTrue(response.body().contains(e.getValue()), response.body());
        }
        assertEquals(400, adminCall("PUT", "two-step", "[1,2]", adminToken(), "application/json").statusCode());
        assertEquals("any", realm.admin().toRepresentation().getAttributes().get("twoStep.method"), "nothing changed");
    }

    @Test
    void adminConsoleTabIsOfferedAndSavingItSetsTheRealmAttributes() throws Exception {
        JsonNode serverInfo = json.readTree(adminCall("GET", "../../serverinfo", null, adminToken(), "application/json").body());
        JsonNode tab = null;
        for (JsonNode type : serverInfo.path("componentTypes").path("org.keycloak.services.ui.extend.UiTabProvider")) {
            if ("Two-step login".equals(type.path("id").asText())) {
                tab = type;
            }
        }
        assertTrue(tab != null, "the declarative-ui feature lists the tab");
        assertEquals("two-step", tab.path("metadata").path("params").path("tab").asText());
        assertEquals("/:realm/realm-settings/:tab?", tab.path("metadata").path("path").asText());
        JsonNode readinessField = null;
        for (JsonNode property : tab.path("properties")) {
            if ("readiness".equals(property.path("name").asText())) {
                readinessField = property;
            }
        }
        assertTrue(readinessField != null, "the tab has a field for the readiness counts: " + tab.path("properties"));

        String component = "{\"name\":\"Two-step login\",\"providerId\":\"Two-step login\","
                + "\"providerType\":\"org.keycloak.services.ui.extend.UiTabProvider\",\"parentId\":\"" + realm.getId()
                + "\",\"config\":{\"required\":[\"true\"],\"method\":[\"otp\"],\"enrolmentGraceDays\":[\"3\"],"
                + "\"trustedDeviceDays\":[\"30\"]}}";
        HttpResponse<String> saved = adminCall("POST", "components", component, adminToken(), "application/json");
        assertEquals(201, saved.statusCode(), saved.body());
        Map<String, String> attributes = realm.admin().toRepresentation().getAttributes();
        assertEquals("true", attributes.get("twoStep.required"));
        assertEquals("otp", attributes.get("twoStep.method"));
        assertEquals("3", attributes.get("twoStep.enrolmentGraceDays"));
        assertEquals("30", attributes.get("twoStep.trustedDeviceDays"));
        JsonNode change = null;
        for (AdminEventRepresentation event : realm.admin().getAdminEvents(List.of("UPDATE"), null, null, null,
                null, "two-step", null, null, 0, 20)) {
            JsonNode candidate = json.readTree(event.getRepresentation());
            if (candidate.path("new").path("trustedDeviceDays").asInt() == 30) {
                change = candidate;
            }
        }
        assertTrue(change != null, "saving the tab is an admin event with the old and the new policy");
        assertEquals("otp", change.path("new").path("method").asText());
        assertEquals(90, change.path("old").path("trustedDeviceDays").asInt());

        // Refused values are told in the tab's words (the admin's language; English here), not attribute keys.
        String bad = component.replace("[\"otp\"]", "[\"fax\"]");
        HttpResponse<String> refused = adminCall("POST", "components", bad, adminToken(), "application/json");
        assertEquals(400, refused.statusCode());
        assertEquals("Method: choose Authenticator app, Text message (SMS) or User’s choice.",
                json.readTree(refused.body()).path("errorMessage").asText(), refused.body());
        HttpResponse<String> tooLong = adminCall("POST", "components", component.replace("[\"30\"]", "[\"400\"]"),
                adminToken(), "application/json");
        assertEquals(400, tooLong.statusCode());
        assertEquals("Remember devices (days): enter a whole number of days from 0 to 365.",
                json.readTree(tooLong.body()).path("errorMessage").asText(), tooLong.body());

        String id = saved.headers().firstValue("Location").orElseThrow().replaceAll(".*/", "");
        String shown = json.readTree(adminCall("GET", "components/" + id, null, adminToken(), "application/json")
                .body()).path("config").path("readiness").get(0).asText();
        assertTrue(shown.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC: browser flow enforces the policy: yes; "
                + "direct grant: yes; every way in: yes\\. Users to follow up and the gaps: GET "
                + "/admin/realms/\\S+/two-step/readiness \\(view-realm and view-users\\)\\."), shown);

        String typedOver = component.replace("\"trustedDeviceDays\":[\"30\"]", "\"trustedDeviceDays\":[\"30\"],"
                + "\"readiness\":[\"all fine\"]");
        adminCall("PUT", "components/" + id, typedOver.replace("{\"name\"", "{\"id\":\"" + id + "\",\"name\""),
                adminToken(), "application/json");
        assertTrue(json.readTree(adminCall("GET", "components/" + id, null, adminToken(), "application/json").body())
                .path("config").path("readiness").get(0).asText().contains("every way in: "), "a typed value is replaced");
        // A save applies only what it changed: a value set elsewhere since (here a raw attribute) is not undone.
        RealmRepresentation raw = realm.admin().toRepresentation();
        raw.getAttributes().put("twoStep.trustedDeviceDays", "7");
        realm.admin().update(raw);
        adminCall("PUT", "components/" + id, typedOver.replace("{\"name\"", "{\"id\":\"" + id + "\",\"name\""),
                adminToken(), "application/json");
        assertEquals("7", realm.admin().toRepresentation().getAttributes().get("twoStep.trustedDeviceDays"),
                "re-saving the tab does not write its older value back");

        // The REST API keeps the saved tab in step.
        adminCall("PUT", "two-step", "{\"required\":false,\"method\":\"any\",\"enrolmentGraceDays\":0,"
                + "\"trustedDeviceDays\":90}", adminToken(), "application/json");
        JsonNode mirrored = json.readTree(adminCall("GET", "components/" + id, null, adminToken(), "application/json").body());
        assertEquals("User's choice", mirrored.path("config").path("method").get(0).asText(),
                "the tab shows the method as its option, not the attribute value");

        // With the policy off again (a password grant for a user without a second factor works):
        // The stored tab is readable with view-realm alone: it holds no user counts, which need view-users.
        TestUsers.plain(realm.admin(), "view-realm-only");
        String userId = TestUsers.id(realm.admin(), "view-realm-only");
        var realmManagement = realm.admin().clients().findByClientId("realm-management").get(0);
        realm.admin().users().get(userId).roles().clientLevel(realmManagement.getId()).add(List.of(
                realm.admin().clients().get(realmManagement.getId()).roles().get("view-realm").toRepresentation()));
        String viewRealmToken = oauth.doPasswordGrantRequest("view-realm-only", TestUsers.PASSWORD).getAccessToken();
        HttpResponse<String> tabAsViewer = adminCall("GET", "components/" + id, null, viewRealmToken,
                "application/json");
        assertEquals(200, tabAsViewer.statusCode(), tabAsViewer.body());
        assertTrue(!tabAsViewer.body().matches("(?s).*\\d+ users.*") && !tabAsViewer.body().contains("without a"),
                "no user counts for view-realm: " + tabAsViewer.body());
        assertEquals(403, adminCall("GET", "two-step/readiness", null, viewRealmToken, "application/json")
                .statusCode(), "the counts themselves need view-users");
        adminCall("DELETE", "components/" + id, null, adminToken(), "application/json");
    }

    /** Upgrades: the demo realm, set up by hand as the README describes, is recognised as set up. */
    @Test
    void theDemoRealmAsShippedIsSetUpAlready() throws Exception {
        JsonNode dryRun = json.readTree(adminCall("POST", "two-step/setup?dryRun=true", null, adminToken(),
                "application/json").body());
        assertEquals(0, dryRun.path("changes").size(), dryRun.toString());
        assertEquals(0, dryRun.path("refusals").size(), dryRun.toString());
        HttpResponse<String> run = adminCall("POST", "two-step/setup", null, adminToken(), "application/json");
        assertEquals(200, run.statusCode(), run.body());
        assertEquals(false, json.readTree(run.body()).path("applied").asBoolean());
        assertEquals(0, json.readTree(run.body()).path("changes").size(), "running it changes nothing");
        assertEquals("browser-two-step", realm.admin().toRepresentation().getBrowserFlow());
        JsonNode flows = json.readTree(adminCall("GET", "two-step/readiness", null, adminToken(), "application/json")
                .body()).path("flows");
        assertTrue(flows.path("enforcesPolicy").asBoolean(), flows.toString());
    }

    @Test
    void viewRealmReadsOnlyManageRealmWrites() throws Exception {
        TestUsers.plain(realm.admin(), "policy-viewer");
        String viewerId = TestUsers.id(realm.admin(), "policy-viewer");
        var realmManagement = realm.admin().clients().findByClientId("realm-management").get(0);
        var viewRealm = realm.admin().clients().get(realmManagement.getId()).roles().get("view-realm").toRepresentation();
        realm.admin().users().get(viewerId).roles().clientLevel(realmManagement.getId()).add(List.of(viewRealm));
        String viewerToken = oauth.doPasswordGrantRequest("policy-viewer", TestUsers.PASSWORD).getAccessToken();

        assertEquals(200, adminCall("GET", "two-step", null, viewerToken, "application/json").statusCode());
        assertEquals(403, adminCall("PUT", "two-step", "{\"required\":true}", viewerToken, "application/json").statusCode());
        assertEquals(403, adminCall("POST", "two-step/setup?dryRun=true", null, viewerToken, "application/json")
                .statusCode(), "the set-up needs manage-realm, even as a dry run");

        TestUsers.plain(realm.admin(), "policy-nobody");
        String nobody = oauth.doPasswordGrantRequest("policy-nobody", TestUsers.PASSWORD).getAccessToken();
        assertEquals(403, adminCall("GET", "two-step", null, nobody, "application/json").statusCode());
        assertEquals(403, adminCall("PUT", "two-step", "{\"required\":true}", nobody, "application/json").statusCode());
        assertEquals("false", realm.admin().toRepresentation().getAttributes().get("twoStep.required"));
    }
}
