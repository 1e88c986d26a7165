package io.twostep.keycloak.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.resource.UserResource;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code phoneNumberVerified} (and so the token's {@code phone_number_verified}) is true only for the number the
 * user proved by a code, whatever path changes {@code phoneNumber}; codes keep going to the proven number.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class PhoneNumberVerifiedTest extends AbstractJourneyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anAdminEditedNumberIsNotVerifiedAndGetsNoCodes() throws Exception {
        String proven = TestUsers.newNumber();
        String typed = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "verified-edit", proven);
        UserResource user = realm.admin().users().get(TestUsers.id(realm.admin(), "verified-edit"));

        setAttributes(user, Map.of("phoneNumber", typed));
        assertEquals(List.of("false"), user.toRepresentation().getAttributes().get("phoneNumberVerified"),
                "an admin-typed number is not proven");

        oauth.scope("openid phone");
        passwordStep("verified-edit");
        codePage.assertCurrent();
        assertEquals(0, vonage.to(typed).size(), "no code to the typed number");
        codePage.enterCode(vonage.last(proven).code());
        assertLoggedIn();
        JsonNode claims = idToken();
        assertEquals(typed, claims.path("phone_number").asText());
        assertEquals(false, claims.path("phone_number_verified").asBoolean(true));

        // An admin cannot declare the typed number proven either.
        setAttributes(user, Map.of("phoneNumber", typed, "phoneNumberVerified", "true"));
        assertEquals(List.of("false"), user.toRepresentation().getAttributes().get("phoneNumberVerified"));

        // Back to the proven number: verified again.
        setAttributes(user, Map.of("phoneNumber", proven));
        assertEquals(List.of("true"), user.toRepresentation().getAttributes().get("phoneNumberVerified"));
    }

    @Test
    void removingTheSmsFactorLeavesTheNumberUnverified() {
        String proven = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "verified-removed", proven);
        UserResource user = realm.admin().users().get(TestUsers.id(realm.admin(), "verified-removed"));
        String credentialId = smsCredentials("verified-removed").get(0).getId();
        user.removeCredential(credentialId);
        assertEquals(List.of("false"), user.toRepresentation().getAttributes().get("phoneNumberVerified"));
    }

    private static void setAttributes(UserResource user, Map<String, String> values) {
        UserRepresentation representation = user.toRepresentation();
        Map<String, List<String>> attributes = new HashMap<>(representation.getAttributes());
        values.forEach((k, v) -> attributes.put(k, List.of(v)));
        representation.setAttributes(attributes);
        user.update(representation);
    }

    private JsonNode idToken() throws Exception {
        String idToken = oauth.doAccessTokenRequest(oauth.parseLoginResponse().getCode()).getIdToken();
        return JSON.readTree(Base64.getUrlDecoder().decode(idToken.split("\\.")[1]));
    }
}
