package io.twostep.keycloak.it;

import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.AuthenticationExecutionInfoRepresentation;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.FederatedIdentityRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ClientBuilder;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.realm.RealmBuilder;
import org.keycloak.testframework.realm.RealmConfig;
import org.keycloak.testframework.realm.UserBuilder;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Logins through an identity provider go through the policy too (the post login flow), and never use a
 * remembered device: they have no password step.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class TwoStepIdentityProviderTest extends AbstractJourneyTest {

    private static final String POST_LOGIN_FLOW = "two-step post broker login";
    private static final String POST_LOGIN_SECOND_FACTOR = "two-step post broker login second factor";

    /** Another realm on the same server, standing in for the organisation's external identity provider. */
    public static class Upstream implements RealmConfig {
        @Override
        public RealmBuilder configure(RealmBuilder realm) {
            return realm.name("upstream")
                    // The redirect URI is set in the test, from the demo realm's own address.
                    .clients(ClientBuilder.create("demo-broker").secret("broker-secret"))
                    .users(UserBuilder.create("remote-user").password("remote-password").email("remote@example.org")
                                    .firstName("Remote").lastName("User").emailVerified(true),
                            UserBuilder.create("remote-linked").password("remote-password")
                                    .email("remote-linked@example.org").firstName("Remote").lastName("Linked")
                                    .emailVerified(true));
        }
    }

    @InjectRealm(ref = "upstream", config = Upstream.class)
    ManagedRealm upstream;

    /** Also ends the upstream provider's session: its cookies live under its own realm path. */
    @BeforeEach
    void freshUpstreamSession() {
        driver.open(upstream.getBaseUrl() + "/protocol/openid-connect/logout");
        driver.cookies().deleteAll();
    }

    @AfterEach
    void toggleOff() throws Exception {
        adminCall("PUT", "two-step", "{\"required\":false}", adminToken(), "application/json");
    }

    /** Adds the provider {@code upstream} to the demo realm (once per class), with the two-step post login flow. */
    private void upstreamProvider() {
        if (realm.admin().identityProviders().findAll().stream().anyMatch(p -> "upstream".equals(p.getAlias()))) {
            return;
        }
        ClientRepresentation broker = upstream.admin().clients().findByClientId("demo-broker").get(0);
        broker.setRedirectUris(List.of(realm.getBaseUrl() + "/broker/upstream/endpoint*"));
        upstream.admin().clients().get(broker.getId()).update(broker);
        IdentityProviderRepresentation idp = new IdentityProviderRepresentation();
        idp.setAlias("upstream");
        idp.setProviderId("keycloak-oidc");
        idp.setEnabled(true);
        idp.setPostBrokerLoginFlowAlias(POST_LOGIN_FLOW);
        String base = upstream.getBaseUrl() + "/protocol/openid-connect";
        idp.setConfig(new HashMap<>(Map.of(
                "clientId", "demo-broker", "clientSecret", "broker-secret", "clientAuthMethod", "client_secret_post",
                "authorizationUrl", base + "/auth", "tokenUrl", base + "/token", "userInfoUrl", base + "/userinfo",
                "issuer", upstream.getBaseUrl(), "validateSignature", "false", "syncMode", "IMPORT")));
        realm.admin().identityProviders().create(idp).close();
    }

    /** Opens the login page and signs in at the upstream provider (its form only when it has no session yet). */
    private void loginThroughUpstream(String remoteUser) {
        oauth.openLoginForm();
        loginPage.clickSocial("upstream");
        if (!driver.driver().findElements(By.id("username")).isEmpty()) {
            loginPage.fillLogin(remoteUser, "remote-password");
            loginPage.submit();
        }
    }

    @Test
    void externalLoginRunsThePolicyAfterwards() throws Exception {
        upstreamProvider();
        assertEquals(200, adminCall("PUT", "two-step", "{\"required\":true,\"method\":\"sms\"}", adminToken(),
                "application/json").statusCode());

        loginThroughUpstream("remote-user");

        phonePage.assertCurrent(); // enrolment right after the external login

        // Control: with the toggle off, the same external login goes straight through.
        adminCall("PUT", "two-step", "{\"required\":false}", adminToken(), "application/json");
        startOver();
        loginThroughUpstream("remote-user");
        assertLoggedIn();
    }

    /**
     * A browser remembered after a password login of the same user skips nothing in an external login: the
     * shipped post login flow has no such step, and even where an admin adds <i>Condition - device not
     * remembered</i> to it, no password was entered in that login, so the code is asked.
     */
    @Test
    void externalLoginsNeverUseARememberedDevice() throws Exception {
        upstreamProvider();
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "idp-linked", number);
        String userId = TestUsers.id(realm.admin(), "idp-linked");
        FederatedIdentityRepresentation link = new FederatedIdentityRepresentation();
        link.setIdentityProvider("upstream");
        link.setUserId(upstream.admin().users().searchByUsername("remote-linked", true).get(0).getId());
        link.setUserName("remote-linked");
        realm.admin().users().get(userId).addFederatedIdentity("upstream", link).close();

        // The password login of the same user remembers this browser.
        passwordStep("idp-linked");
        codePage.enterCode(vonage.last(number).code());
        rememberDevice();
        assertLoggedIn();
        logOutKeepingTrust();
        int sent = vonage.to(number).size();
        passwordStep("idp-linked"); // control: a password login from this browser skips the code
        assertLoggedIn();
        assertEquals(sent, vonage.to(number).size(), "the remembered device skipped the code");
        assertEquals("trusted_device_used", lastLogin(userId).getDetails().get("two_step_event"),
                "control: our step's details are on the LOGIN event of a password login");

        // The shipped post login flow: the code is asked.
        logOutKeepingTrust();
        loginThroughUpstream("remote-linked");
        codePage.assertCurrent();
        assertEquals(sent + 1, vonage.to(number).size(), "a code for the external login");
        codePage.enterCode(vonage.last(number).code());
        assertLoggedIn();

        // With the condition added to the post login flow's second step, the code is still asked.
        String added = addTrustedDeviceCondition();
        try {
            logOutKeepingTrust();
            loginThroughUpstream("remote-linked");
            codePage.assertCurrent();
            assertEquals(sent + 2, vonage.to(number).size(), "a code for the external login");
            codePage.enterCode(vonage.last(number).code());
            assertLoggedIn();
            // Keycloak's broker endpoint writes this login's LOGIN event, on an event of its own: the details
            // our steps put on the post login flow's events (the code accepted, the device not applied) are not
            // on it.
            EventRepresentation login = lastLogin(userId);
            assertEquals("upstream", login.getDetails().get("identity_provider"), "the external login's event");
            assertTrue(login.getDetails().keySet().stream().noneMatch(k -> k.startsWith("trusted_device")
                    || k.equals("two_step_event") || k.equals("phone_number_masked")), login.getDetails().toString());
            assertEquals(vonage.to(number).size(), realm.admin().getEvents(List.of("CUSTOM_REQUIRED_ACTION"), null,
                    userId, null, null, null, 0, 100).stream()
                    .filter(e -> "sms_code_sent".equals(e.getDetails().get("two_step_event"))).count(),
                    "the step's own events are saved, one per code sent");
        } finally {
            realm.admin().flows().removeExecution(added);
        }
        assertEquals(1, realm.admin().users().get(userId).credentials().stream()
                .filter(c -> "trusted-device".equals(c.getType())).count(), "the device's trust is untouched");
    }

    /** @return the user's latest {@code LOGIN} event */
    private EventRepresentation lastLogin(String userId) {
        return realm.admin().getEvents(List.of("LOGIN"), null, userId, null, null, null, 0, 1).get(0);
    }

    /** Adds Condition - device not remembered (REQUIRED) to the post login flow's second step; @return its id */
    private String addTrustedDeviceCondition() {
        var flows = realm.admin().flows();
        flows.addExecution(POST_LOGIN_SECOND_FACTOR, Map.of("provider", "trusted-device"));
        AuthenticationExecutionInfoRepresentation condition = flows.getExecutions(POST_LOGIN_SECOND_FACTOR).stream()
                .filter(e -> "trusted-device".equals(e.getProviderId())).findFirst().orElseThrow();
        condition.setRequirement("REQUIRED");
        flows.updateExecutions(POST_LOGIN_SECOND_FACTOR, condition);
        assertEquals("REQUIRED", flows.getExecutions(POST_LOGIN_SECOND_FACTOR).stream()
                .filter(e -> e.getId().equals(condition.getId())).findFirst().orElseThrow().getRequirement());
        return condition.getId();
    }

    /** Ends the Keycloak sessions in this browser (of both realms) but keeps the trust cookies. */
    private void logOutKeepingTrust() {
        driver.open(realm.getBaseUrl() + "/protocol/openid-connect/logout");
        Set<Cookie> kept = driver.cookies().getAll().stream()
                .filter(c -> c.getName().startsWith("KC_TWO_STEP_DEVICE_")).collect(Collectors.toSet());
        assertFalse(kept.isEmpty(), "this browser was remembered");
        driver.cookies().deleteAll();
        kept.forEach(driver.cookies()::add);
    }
}
