package io.twostep.keycloak.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.twostep.keycloak.phone.PhoneNumbers;
import io.twostep.keycloak.support.Mailbox;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.AdminEventRepresentation;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.mail.MailServer;
import org.keycloak.testframework.mail.annotations.InjectMailServer;
import org.openqa.selenium.Cookie;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The help desk resets a user who lost their phone with one call: {@code POST
 * /admin/realms/{realm}/two-step/users/{id}/reset}.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class HelpDeskResetTest extends AbstractJourneyTest {

    @InjectMailServer
    MailServer mail;

    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void adminEventsOn() {
        RealmRepresentation events = realm.admin().toRepresentation();
        events.setAdminEventsEnabled(true);
        events.setAdminEventsDetailsEnabled(true);
        realm.admin().update(events);
    }

    @Test
    void oneCallRemovesTheFactorsEndsTheSessionsAndTheNextLoginSetsUpAgain() throws Exception {

        String number = TestUsers.newNumber();
        TestUsers.withRecoveryCodes(realm.admin(), "helpdesk", number, true, TestUsers.newRecoveryCodes());
        String id = TestUsers.id(realm.admin(), "helpdesk");
        // A session in a remembered browser, and (in another login, left unfinished) a wrong code on the account.
        passwordStep("helpdesk");
        smsInstead();
        codePage.enterCode(vonage.last(number).code());
        rememberDevice();
        assertLoggedIn();
        String keycloakPage = realm.getBaseUrl() + "/protocol/openid-connect/logout"; // asks, logs nobody out
        driver.open(keycloakPage);
        Set<Cookie> browser = driver.cookies().getAll();
        driver.cookies().deleteAll();
        passwordStep("helpdesk");
        smsInstead();
        codePage.enterCode(vonage.last(number).code().equals("000000") ? "111111" : "000000");
        driver.open(keycloakPage);
        driver.cookies().deleteAll();
        browser.forEach(driver.cookies()::add);
        String token = adminToken();
        assertEquals(1, json.readTree(adminCall("GET", "two-step/users/" + id + "/sms-failures", null, token,
                "application/json").body()).path("failures").asInt());
        assertEquals(1, realm.admin().users().get(id).getUserSessions().size());

        HttpResponse<String> reset = adminCall("POST", "two-step/users/" + id + "/reset", null, token,
                "application/json");
        assertEquals(200, reset.statusCode(), reset.body());
        JsonNode result = json.readTree(reset.body());
        assertEquals(1, result.path("removed").path("sms-otp").asInt(), reset.body());
        assertEquals(1, result.path("removed").path("otp").asInt());
        assertEquals(1, result.path("removed").path("recovery-authn-codes").asInt());
        assertEquals(1, result.path("removed").path("trusted-device").asInt());
        assertEquals(PhoneNumbers.mask(number), result.path("phoneNumber").asText());
        assertEquals(1, result.path("sessionsEnded").asInt());
        assertEquals("configure-sms-otp", result.path("nextLogin").asText());

        assertTrue(realm.admin().users().get(id).credentials().stream()
                .allMatch(c -> "password".equals(c.getType())), "only the password is left");
        assertEquals(0, json.readTree(adminCall("GET", "two-step/users/" + id + "/sms-failures", null, token,
                "application/json").body()).path("failures").asInt());
        assertEquals(0, realm.admin().users().get(id).getUserSessions().size());

        List<AdminEventRepresentation> recorded = realm.admin().getAdminEvents(List.of("ACTION"), null, null, null,
                null, "users/" + id + "/two-step/reset", null, null, 0, 10);
        assertEquals(1, recorded.size());
        String representation = recorded.get(0).getRepresentation();
        assertTrue(representation.contains(PhoneNumbers.mask(number)), representation);
        assertFalse(representation.contains(number.substring(3)), "no number in clear: " + representation);

        MimeMessage notice = new Mailbox(mail).await("helpdesk@example.org", "your two-step login was reset");
        assertTrue(Mailbox.text(notice).contains("At your next sign-in you set up a second step again"),
                Mailbox.text(notice));

        // The remembered browser skips nothing now: the next login sets up a second step.
        driver.open(keycloakPage);
        Set<Cookie> kept = driver.cookies().getAll().stream()
                .filter(c -> c.getName().startsWith("KC_TWO_STEP_DEVICE_")).collect(Collectors.toSet());
        assertFalse(kept.isEmpty());
        driver.cookies().deleteAll();
        kept.forEach(driver.cookies()::add);
        int sent = vonage.to(number).size();
        passwordStep("helpdesk");
        phonePage.assertCurrent();
        assertNotLoggedIn();
        assertEquals(sent, vonage.to(number).size(), "no code to the lost number");
        String fresh = TestUsers.newNumber();
        phonePage.submitNumber(fresh);
        codePage.enterCode(vonage.last(fresh).code());
        assertLoggedIn();
    }

    /** The app's form comes first for a user with both factors: switch to the SMS code. */
    private void smsInstead() {
        driver.findElement(org.openqa.selenium.By.id("try-another-way")).click();
        new org.keycloak.testframework.ui.page.SelectAuthenticatorPage(driver).selectLoginMethod("SMS code");
        codePage.assertCurrent();
    }

    @Test
    void theResetNeedsManageUsers() throws Exception {
        TestUsers.withBoundNumber(realm.admin(), "reset-target", TestUsers.newNumber());
        String id = TestUsers.id(realm.admin(), "reset-target");
        HttpResponse<String> viewer = adminCall("POST", "two-step/users/" + id + "/reset", null,
                tokenWith("reset-viewer", "view-users"), "application/json");
        assertEquals(403, viewer.statusCode(), viewer.body());
        assertEquals(1, realm.admin().users().get(id).credentials().stream()
                .filter(c -> "sms-otp".equals(c.getType())).count(), "nothing removed");

        HttpResponse<String> manager = adminCall("POST", "two-step/users/" + id + "/reset", null,
                tokenWith("reset-manager", "manage-users"), "application/json");
        assertEquals(200, manager.statusCode(), manager.body());
        assertNull(realm.admin().users().get(id).credentials().stream()
                .filter(c -> "sms-otp".equals(c.getType())).findFirst().orElse(null));

        assertEquals(404, adminCall("POST", "two-step/users/no-such-user/reset", null, adminToken(),
                "application/json").statusCode());
    }

    /**
     * The user page's "Two-step reset" tab saves a component; the console adds the page's route parameters, the
     * user's id among them. The save resets that user, needs manage-users, and stores nothing about the user.
     */
    @Test
    void theUserPagesTabResetsThroughTheSameCode() throws Exception {
        TestUsers.withBoundNumber(realm.admin(), "tab-target", TestUsers.newNumber());
        String id = TestUsers.id(realm.admin(), "tab-target");
        String realmId = realm.admin().toRepresentation().getId();
        String save = "{\"name\":\"Two-step reset\",\"providerId\":\"Two-step reset\","
                + "\"providerType\":\"org.keycloak.services.ui.extend.UiTabProvider\",\"parentId\":\"" + realmId + "\","
                + "\"config\":{\"resetTwoStep\":[\"true\"],\"id\":[\"" + id + "\"],\"realm\":[\"" + realm.getName()
                + "\"],\"tab\":[\"two-step-reset\"]}}";
        String tabs = "components?type=org.keycloak.services.ui.extend.UiTabProvider";
        try {
            HttpResponse<String> refused = adminCall("POST", "components", save,
                    tokenWith("tab-realm-admin", "manage-realm"), "application/json");
            assertEquals(400, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("needs the manage-users role"), refused.body());
            assertEquals(1, realm.admin().users().get(id).credentials().stream()
                    .filter(c -> "sms-otp".equals(c.getType())).count(), "nothing removed");

            HttpResponse<String> saved = adminCall("POST", "components", save, adminToken(), "application/json");
            assertEquals(201, saved.statusCode(), saved.body());
            assertTrue(realm.admin().users().get(id).credentials().stream()
                    .allMatch(c -> "password".equals(c.getType())), "reset by the tab");
            JsonNode stored = json.readTree(adminCall("GET", tabs, null, adminToken(), "application/json").body());
            JsonNode tab = null;
            for (JsonNode c : stored) {
                if ("Two-step reset".equals(c.path("providerId").asText())) {
                    tab = c;
                }
            }
            assertEquals("false", tab.path("config").path("resetTwoStep").get(0).asText(), "the switch is off again");
            assertTrue(tab.path("config").path("id").isMissingNode(), "no user id is kept: " + tab);
            assertEquals(1, realm.admin().getAdminEvents(List.of("ACTION"), null, null, null, null,
                    "users/" + id + "/two-step/reset", null, null, 0, 10).size(), "the same admin event");
        } finally {
            for (JsonNode c : json.readTree(adminCall("GET", tabs, null, adminToken(), "application/json").body())) {
                adminCall("DELETE", "components/" + c.path("id").asText(), null, adminToken(), "application/json");
            }
        }
    }

    /** @return an access token of a new user of this realm holding one realm-management role */
    private String tokenWith(String username, String role) {
        TestUsers.plain(realm.admin(), username);
        ClientRepresentation realmManagement = realm.admin().clients().findByClientId("realm-management").get(0);
        RoleRepresentation granted = realm.admin().clients().get(realmManagement.getId()).roles().get(role)
                .toRepresentation();
        realm.admin().users().get(TestUsers.id(realm.admin(), username)).roles()
                .clientLevel(realmManagement.getId()).add(List.of(granted));
        return oauth.doPasswordGrantRequest(username, TestUsers.PASSWORD).getAccessToken();
    }
}
