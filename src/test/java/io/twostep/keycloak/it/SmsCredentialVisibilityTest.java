package io.twostep.keycloak.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import org.keycloak.models.utils.TimeBasedOTP;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bound number shows up, masked, where users and admins look, and every step leaves an event. */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class SmsCredentialVisibilityTest extends AbstractJourneyTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    /** The demo's alice: her number's credential carries a creation date, or consoles show "Invalid Date". */
    @Test
    void theDemoRealmsBoundNumberHasACreationDate() {
        CredentialRepresentation alice = smsCredentials("alice").get(0);
        assertNotNull(alice.getCreatedDate(), "alice's sms-otp credential in realm-export.json has a createdDate");
        assertTrue(alice.getCreatedDate() > 1_700_000_000_000L, "a date in milliseconds: " + alice.getCreatedDate());
    }

    @Test
    void accountConsoleListsTheMaskedNumberAndCanRemoveIt() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "visible-account", number);
        passwordStep("visible-account");
        codePage.enterCode(vonage.last(number).code());
        declineDeviceOffer();
        assertLoggedIn();
        String token = oauth.doAccessTokenRequest(oauth.parseLoginResponse().getCode()).getAccessToken();
        startOver();

        JsonNode types = get(realm.getBaseUrl() + "/account/credentials", token);
        JsonNode sms = StreamSupport.stream(types.spliterator(), false)
                .filter(t -> "sms-otp".equals(t.path("type").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("Account Console does not list sms-otp: " + types));
        assertEquals("sms-otp-display-name", sms.path("displayName").asText());
        assertEquals("two-factor", sms.path("category").asText());
        assertEquals("configure-sms-otp", sms.path("createAction").asText());
        assertTrue(sms.path("removeable").asBoolean());
        JsonNode credential = sms.path("userCredentialMetadatas").get(0).path("credential");
        assertFalse(credential.toString().contains(number.substring(3)), "the Account Console never gets the full number");

        // "Remove" in the Account Console is Keycloak's delete_credential action, behind a fresh login.
        oauth.loginForm().kcAction("delete_credential:" + credential.path("id").asText()).open();
        loginPage.fillLogin("visible-account", TestUsers.PASSWORD);
        loginPage.submit();
        codePage.enterCode(vonage.last(number).code());
        driver.findElement(org.openqa.selenium.By.id("kc-accept")).click();
        assertLoggedIn();
        assertTrue(smsCredentials("visible-account").isEmpty());
        int sent = vonage.to(number).size();

        startOver();
        passwordStep("visible-account");
        assertLoggedIn(); // no second factor left: the conditional sub-flow is skipped
        assertEquals(sent, vonage.to(number).size(), "no SMS to a removed number");
    }

    @Test
    void passwordGrantIsRefusedForSmsOnlyUsers() {
        TestUsers.withBoundNumber(realm.admin(), "grant-sms", TestUsers.newNumber());
        var refused = oauth.doPasswordGrantRequest("grant-sms", TestUsers.PASSWORD);
        assertEquals(400, refused.getStatusCode());
        assertEquals("invalid_grant", refused.getError());
        assertEquals(null, refused.getAccessToken());
        String userId = TestUsers.id(realm.admin(), "grant-sms");
        EventRepresentation event = single(realm.admin().getEvents(List.of("LOGIN_ERROR"), null, userId, null, null,
                null, 0, 10), "direct_grant_refused");
        assertEquals("invalid_user_credentials", event.getError());
        assertEquals(0, ((Number) realm.admin().attackDetection().bruteForceUserStatus(userId).get("numFailures"))
                .intValue(), "not counted by brute-force detection: the password was right");

        TestUsers.withBoundNumberAndTotp(realm.admin(), "grant-sms-app", TestUsers.newNumber());
        assertEquals(null, oauth.doPasswordGrantRequest("grant-sms-app", TestUsers.PASSWORD).getAccessToken(),
                "with an app, the flow's own OTP check asks for the code");
        // Keycloak's brute-force detection may count that grant as failures a millisecond apart, a "quick login"
        // that disables the user for a minute; that is Keycloak's business, not this test's.
        realm.admin().attackDetection().clearBruteForceForUser(TestUsers.id(realm.admin(), "grant-sms-app"));
        String totp = new TimeBasedOTP().generateTOTP(TestUsers.TOTP_SECRET.getBytes(StandardCharsets.UTF_8));
        assertNotNull(oauth.passwordGrantRequest("grant-sms-app", TestUsers.PASSWORD).otp(totp).send().getAccessToken());

        TestUsers.plain(realm.admin(), "grant-plain");
        assertNotNull(oauth.doPasswordGrantRequest("grant-plain", TestUsers.PASSWORD).getAccessToken(),
                "users without a second factor are not the guard's business");
    }

    @Test
    void adminSeesTheNumberInTheCredentialsTab() {
        String number = TestUsers.newNumber();
        TestUsers.needingEnrolment(realm.admin(), "visible-admin", null);
        passwordStep("visible-admin");
        phonePage.submitNumber(number);
        codePage.enterCode(vonage.last(number).code());
        assertLoggedIn();

        List<CredentialRepresentation> credentials = smsCredentials("visible-admin");
        assertEquals(1, credentials.size());
        String label = credentials.get(0).getUserLabel();
        assertTrue(label.startsWith("+49") && label.endsWith(number.substring(number.length() - 2)), label);
        assertFalse(label.contains(number.substring(3, number.length() - 2)), "the label is masked: " + label);
    }

    @Test
    void sendAcceptAndRefuseAreEventsWithMaskedNumbers() {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "visible-events", number);
        passwordStep("visible-events");
        String code = vonage.last(number).code();
        codePage.enterCode(code.equals("000000") ? "111111" : "000000");
        codePage.enterCode(code);
        declineDeviceOffer();
        assertLoggedIn();

        String userId = TestUsers.id(realm.admin(), "visible-events");
        List<EventRepresentation> events = realm.admin().getEvents(null, null, userId, null, null, null, 0, 100);
        EventRepresentation sent = single(events, "sms_code_sent");
        assertEquals("CUSTOM_REQUIRED_ACTION", sent.getType());
        assertTrue(sent.getDetails().get("sms_message_id").startsWith("fake-"));
        EventRepresentation refused = single(events, "sms_code_refused");
        assertEquals("LOGIN_ERROR", refused.getType());
        assertEquals("invalid_user_credentials", refused.getError());
        EventRepresentation accepted = single(events, "sms_code_accepted");
        assertEquals("LOGIN", accepted.getType());
        assertEquals("sms-otp", accepted.getDetails().get("credential_type"));

        for (EventRepresentation event : events) {
            String details = String.valueOf(event.getDetails());
            assertFalse(details.contains(number.substring(3)), "no full number in event details: " + details);
            assertFalse(details.contains(code), "no code in event details: " + details);
        }
        assertEquals(sent.getDetails().get("phone_number_masked"), accepted.getDetails().get("phone_number_masked"));
    }

    private static EventRepresentation single(List<EventRepresentation> events, String twoStepEvent) {
        List<EventRepresentation> matching = events.stream()
                .filter(e -> e.getDetails() != null && twoStepEvent.equals(e.getDetails().get("two_step_event")))
                .toList();
        assertEquals(1, matching.size(), twoStepEvent + " in " + events.stream().map(EventRepresentation::getType).toList());
        return matching.get(0);
    }

    private JsonNode get(String url, String token) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + token).header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return json.readTree(response.body());
    }

}
