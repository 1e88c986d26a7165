package io.twostep.keycloak.it;

import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ClientBuilder;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.realm.RealmBuilder;
import org.keycloak.testframework.realm.RealmConfig;
import org.keycloak.testframework.realm.UserBuilder;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Logins through an identity provider go through the policy too (the post login flow). */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class TwoStepIdentityProviderTest extends AbstractJourneyTest {

    /** Another realm on the same server, standing in for the organisation's external identity provider. */
    public static class Upstream implements RealmConfig {
        @Override
        public RealmBuilder configure(RealmBuilder realm) {
            return realm.name("upstream")
                    // The redirect URI is set in the test, from the demo realm's own address.
                    .clients(ClientBuilder.create("demo-broker").secret("broker-secret"))
                    .users(UserBuilder.create("remote-user").password("remote-password").email("remote@example.org")
                            .firstName("Remote").lastName("User").emailVerified(true));
        }
    }

    @InjectRealm(ref = "upstream", config = Upstream.class)
    ManagedRealm upstream;

    @AfterEach
    void toggleOff() throws Exception {
        adminCall("PUT", "two-step", "{\"required\":false}", adminToken(), "application/json");
    }

    @Test
    void externalLoginRunsThePolicyAfterwards() throws Exception {
        ClientRepresentation broker = upstream.admin().clients().findByClientId("demo-broker").get(0);
        broker.setRedirectUris(List.of(realm.getBaseUrl() + "/broker/upstream/endpoint*"));
        upstream.admin().clients().get(broker.getId()).update(broker);
        IdentityProviderRepresentation idp = new IdentityProviderRepresentation();
        idp.setAlias("upstream");
        idp.setProviderId("keycloak-oidc");
        idp.setEnabled(true);
        idp.setPostBrokerLoginFlowAlias("two-step post broker login");
        String base = upstream.getBaseUrl() + "/protocol/openid-connect";
        idp.setConfig(new java.util.HashMap<>(Map.of(
                "clientId", "demo-broker", "clientSecret", "broker-secret", "clientAuthMethod", "client_secret_post",
                "authorizationUrl", base + "/auth", "tokenUrl", base + "/token", "userInfoUrl", base + "/userinfo",
                "issuer", upstream.getBaseUrl(), "validateSignature", "false", "syncMode", "IMPORT")));
        realm.admin().identityProviders().create(idp).close();
        assertEquals(200, adminCall("PUT", "two-step", "{\"required\":true,\"method\":\"sms\"}", adminToken(),
                "application/json").statusCode());

        oauth.openLoginForm();
        loginPage.clickSocial("upstream");
        loginPage.fillLogin("remote-user", "remote-password");
        loginPage.submit();

        phonePage.assertCurrent(); // enrolment right after the external login

        // Control: with the toggle off, the same external login goes straight through.
        adminCall("PUT", "two-step", "{\"required\":false}", adminToken(), "application/json");
        startOver();
        oauth.openLoginForm();
        loginPage.clickSocial("upstream");
        if (driver.driver().findElements(org.openqa.selenium.By.id("username")).size() > 0) {
            loginPage.fillLogin("remote-user", "remote-password");
            loginPage.submit();
        }
        assertLoggedIn();
    }
}
