package io.twostep.keycloak.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.twostep.keycloak.phone.PhoneNumbers;
import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.IssuedSecrets;
import io.twostep.keycloak.support.PhoneEnrolmentPage;
import io.twostep.keycloak.support.RecoveryCodesPage;
import io.twostep.keycloak.support.SmsCodePage;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TrustedDeviceOfferPage;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.AdminEventRepresentation;
import org.keycloak.representations.idm.AuthenticationExecutionInfoRepresentation;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.keycloak.representations.idm.PartialImportRepresentation;
import org.keycloak.representations.idm.RealmEventsConfigRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.injection.LifeCycle;
import org.keycloak.testframework.oauth.OAuthClient;
import org.keycloak.testframework.oauth.annotations.InjectOAuthClient;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.realm.RealmBuilder;
import org.keycloak.testframework.realm.RealmConfig;
import org.keycloak.testframework.ui.annotations.InjectPage;
import org.keycloak.testframework.ui.annotations.InjectWebDriver;
import org.keycloak.testframework.ui.page.LoginPage;
import org.keycloak.testframework.ui.webdriver.ManagedWebDriver;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The realm set-up and the switch on realms an operator already has: each test gets a fresh realm, created through
 * the admin REST API with Keycloak's default flows and nothing of ours configured.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class RealmSetupTest {

    /** A new realm as an operator creates it: Keycloak's defaults only. */
    public static class FreshRealm implements RealmConfig {
        @Override
        public RealmBuilder configure(RealmBuilder realm) {
            return realm.name("fresh");
        }
    }

    @InjectRealm(ref = "fresh", config = FreshRealm.class, lifecycle = LifeCycle.METHOD)
    ManagedRealm realm;

    @InjectWebDriver
    ManagedWebDriver driver;

    @InjectOAuthClient(realmRef = "fresh")
    OAuthClient oauth;

    @InjectPage
    LoginPage loginPage;

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final FakeVonage vonage = FakeVonage.instance();
    private SmsCodePage codePage;
    private PhoneEnrolmentPage phonePage;

    @BeforeEach
    void freshBrowser() {
        vonage.reset();
        codePage = new SmsCodePage(driver);
        phonePage = new PhoneEnrolmentPage(driver);
        startOver();
    }

    @Test
    void dryRunListsTheChangesSetUpMakesThemAndASecondRunChangesNothing() throws Exception {
        RealmRepresentation events = realm.admin().toRepresentation();
        events.setAdminEventsEnabled(true);
        events.setAdminEventsDetailsEnabled(true);
        realm.admin().update(events);

        JsonNode dryRun = call("POST", "two-step/setup?dryRun=true", null, 200);
        assertFalse(dryRun.path("applied").asBoolean());
        List<String> pieces = new ArrayList<>();
        dryRun.path("changes").forEach(c -> pieces.add(c.path("piece").asText()));
        for (String piece : List.of("userProfile", "requiredActions", "browser", "directGrant", "resetCredentials",
                "registration")) {
            assertTrue(pieces.contains(piece), piece + " in " + dryRun);
        }
        assertEquals(0, dryRun.path("refusals").size(), dryRun.toString());
        assertEquals("browser", realm.admin().toRepresentation().getBrowserFlow(), "a dry run changes nothing");
        assertFalse(readiness().path("enforcesPolicy").asBoolean());

        JsonNode done = call("POST", "two-step/setup", null, 200);
        assertTrue(done.path("applied").asBoolean(), done.toString());
        assertEquals(dryRun.path("changes"), done.path("changes"), "the set-up does what the dry run listed");
        RealmRepresentation rep = realm.admin().toRepresentation();
        assertEquals("browser two-step", rep.getBrowserFlow());
        assertEquals("direct grant two-step", rep.getDirectGrantFlow());
        assertEquals("reset credentials two-step", rep.getResetCredentialsFlow());
        assertEquals("registration two-step", rep.getRegistrationFlow());
        JsonNode flows = readiness();
        assertTrue(flows.path("enforcesPolicy").asBoolean(), flows.toString());
        assertTrue(flows.path("safetyNet").path("enabled").asBoolean());
        assertTrue(realm.admin().flows().getRequiredAction("configure-sms-otp").isEnabled());
        assertEquals("0", realm.admin().flows().getRequiredActionConfig("CONFIGURE_TOTP").getConfig()
                .get("max_auth_age"));

        JsonNode again = call("POST", "two-step/setup", null, 200);
        assertFalse(again.path("applied").asBoolean());
        assertEquals(0, again.path("changes").size(), "a second run changes nothing: " + again);
        assertEquals("browser two-step", realm.admin().toRepresentation().getBrowserFlow());

        List<AdminEventRepresentation> recorded = realm.admin().getAdminEvents(List.of("ACTION"), null, null, null,
                null, "two-step/setup", null, null, 0, 10);
        assertEquals(1, recorded.size(), "one admin event, for the run that changed something");
        assertTrue(recorded.get(0).getRepresentation().contains("browser two-step"));
    }

    @Test
    void switchingOnAnUnwiredRealmIsRefusedWithTheMissingPiecesUntilTheAdminConfirmsTheSetUp() throws Exception {
        HttpResponse<String> refused = raw("PUT", "two-step", "{\"required\":true,\"method\":\"any\"}");
        assertEquals(409, refused.statusCode(), refused.body());
        String message = json.readTree(refused.body()).path("errorMessage").asText();
        assertTrue(message.contains("flow 'browser'"), message);
        assertTrue(message.contains("flow 'direct grant'"), message);
        assertTrue(message.contains("two-step/setup"), message);
        assertEquals(null, realm.admin().toRepresentation().getAttributes().get("twoStep.required"),
                "nothing written");

        user("nofactor", null);
        passwordStep("nofactor");
        assertLoggedIn(); // the policy stayed off

        JsonNode on = call("PUT", "two-step", "{\"required\":true,\"method\":\"any\",\"setUp\":true}", 200);
        assertTrue(on.path("required").asBoolean());
        assertEquals("browser two-step", realm.admin().toRepresentation().getBrowserFlow());
    }

    @Test
    void afterSetUpUsersLogInAsTheMethodSays() throws Exception {
        call("POST", "two-step/setup", null, 200);
        call("PUT", "two-step", "{\"required\":true,\"method\":\"any\"}", 200);
        String number = TestUsers.newNumber();
        user("with-sms", number);
        user("without", null);

        passwordStep("with-sms");
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(number).code());
        declineDeviceOffer();
        assertLoggedIn();

        startOver();
        passwordStep("without");
        phonePage.assertCurrent();
        String fresh = TestUsers.newNumber();
        phonePage.submitNumber(fresh);
        codePage.enterCode(vonage.last(fresh).code());
        assertLoggedIn();

        assertEquals("invalid_grant", oauth.doPasswordGrantRequest("with-sms", TestUsers.PASSWORD).getError(),
                "the direct grant is guarded too");
    }

    /**
     * A new realm has Keycloak's recovery-code form DISABLED: the readiness report says codes cannot be used; after
     * the set-up, a user who lost the phone signs in with a code and is sent to set up a new number.
     */
    @Test
    void setUpMakesRecoveryCodesAWayBackInOnANewRealm() throws Exception {
        JsonNode before = call("GET", "two-step/readiness", null, 200).path("recoveryCodes");
        assertFalse(before.path("usable").asBoolean(), before.toString());
        assertFalse(before.path("browserFlowRunsForm").asBoolean());

        call("POST", "two-step/setup", null, 200);
        JsonNode after = call("GET", "two-step/readiness", null, 200).path("recoveryCodes");
        assertTrue(after.path("usable").asBoolean(), after.toString());
        assertTrue(after.path("resetCredentialsFlowRunsForm").asBoolean(), after.toString());

        String number = TestUsers.newNumber();
        List<String> codes = TestUsers.newRecoveryCodes();
        var model = org.keycloak.models.credential.RecoveryAuthnCodesCredentialModel.createFromValues(codes,
                System.currentTimeMillis(), null);
        CredentialRepresentation recovery = new CredentialRepresentation();
        recovery.setType("recovery-authn-codes");
        recovery.setSecretData(model.getSecretData());
        recovery.setCredentialData(model.getCredentialData());
        UserRepresentation withCodes = new UserRepresentation();
        withCodes.setUsername("with-codes");
        withCodes.setEnabled(true);
        withCodes.setEmail("with-codes@example.org");
        withCodes.setEmailVerified(true);
        withCodes.setFirstName("Test");
        withCodes.setLastName("with-codes"); // a complete profile: Keycloak's profile check asks nothing first
        CredentialRepresentation password = new CredentialRepresentation();
        password.setType(CredentialRepresentation.PASSWORD);
        password.setValue(TestUsers.PASSWORD);
        CredentialRepresentation sms = new CredentialRepresentation();
        sms.setType("sms-otp");
        sms.setSecretData("{}");
        sms.setCredentialData("{\"phoneNumber\":\"" + number + "\"}");
        withCodes.setCredentials(List.of(password, sms, recovery));
        PartialImportRepresentation rep = new PartialImportRepresentation();
        rep.setIfResourceExists(PartialImportRepresentation.Policy.FAIL.name());
        rep.setUsers(List.of(withCodes));
        realm.admin().partialImport(rep).close();

        passwordStep("with-codes");
        codePage.assertCurrent();
        driver.findElement(By.id("try-another-way")).click();
        new org.keycloak.testframework.ui.page.SelectAuthenticatorPage(driver)
                .selectLoginMethod("Recovery Authentication Code");
        new RecoveryCodesPage(driver).enter(codes.get(0));
        phonePage.assertCurrent(); // a new number (or the app) before the login completes
        assertNotLoggedIn();
    }

    @Test
    void anAdminEnteredNumberIsKeptAfterSetUpAndConfirmedByCode() throws Exception {
        user("carol", null);
        String id = realm.admin().users().search("carol", true).get(0).getId();
        String number = TestUsers.newNumber();
        setPhone(id, number);
        assertNull(phoneOf(id), "without the set-up Keycloak's user profile drops the attribute");

        call("POST", "two-step/setup", null, 200);
        setPhone(id, number);
        assertEquals(number, phoneOf(id), "kept once the user profile knows it");

        call("PUT", "two-step", "{\"required\":true,\"method\":\"sms\"}", 200);
        passwordStep("carol");
        phonePage.assertCurrent();
        assertEquals(PhoneNumbers.mask(number), phonePage.prefilledNumber());
        phonePage.submitNumber(phonePage.prefilledNumber());
        codePage.enterCode(vonage.last(number).code());
        assertLoggedIn();
        assertEquals(1, realm.admin().users().get(id).credentials().stream()
                .filter(c -> "sms-otp".equals(c.getType())).count());
    }

    @Test
    void theSafetyNetStopsALoginWhenAnAdminEditedTheFlowToSkipTheSteps() throws Exception {
        storeEvents();
        call("POST", "two-step/setup", null, 200);
        call("PUT", "two-step", "{\"required\":true,\"method\":\"any\"}", 200);
        String number = TestUsers.newNumber();
        user("edited-flow", number);

        // The admin disables the second step in the copy the set-up bound.
        for (AuthenticationExecutionInfoRepresentation e : realm.admin().flows().getExecutions("browser two-step")) {
            if ("browser two-step Browser - Conditional 2FA".equals(e.getDisplayName())) {
                e.setRequirement("DISABLED");
                realm.admin().flows().updateExecutions("browser two-step", e);
            }
        }
        assertFalse(readiness().path("browser").path("enforcesPolicy").asBoolean(), "the report sees it");

        passwordStep("edited-flow");
        assertEquals("This sign-in did not ask for your second step, which this site requires. Please contact your "
                + "administrator.", driver.findElement(By.cssSelector("#kc-error-message .instruction")).getText());
        assertNotLoggedIn();
        assertTrue(vonage.to(number).isEmpty(), "no second step ran");
        assertSecondStepMissing("edited-flow", "no_second_step");

        // A user without any factor is sent to enrol instead of being let in.
        startOver();
        user("edited-flow-new", null);
        passwordStep("edited-flow-new");
        phonePage.assertCurrent();
    }

    /**
     * Logins through the SSO cookie: a session that passed the policy goes on without a new code; a session that
     * began without the second step (here while an admin had it disabled, before the switch) is ended and the next
     * sign-in starts over with the password and the code.
     */
    @Test
    void theSafetyNetJudgesSsoLoginsByHowTheirSessionBegan() throws Exception {
        storeEvents();
        call("POST", "two-step/setup", null, 200);
        String number = TestUsers.newNumber();
        user("sso-user", number);
        String twoFactor = null;
        for (AuthenticationExecutionInfoRepresentation e : realm.admin().flows().getExecutions("browser two-step")) {
            if ("browser two-step Browser - Conditional 2FA".equals(e.getDisplayName())) {
                twoFactor = e.getId();
                e.setRequirement("DISABLED");
                realm.admin().flows().updateExecutions("browser two-step", e);
            }
        }
        passwordStep("sso-user"); // policy off, second step disabled: the password alone
        assertLoggedIn();
        for (AuthenticationExecutionInfoRepresentation e : realm.admin().flows().getExecutions("browser two-step")) {
            if (e.getId().equals(twoFactor)) {
                e.setRequirement("CONDITIONAL");
                realm.admin().flows().updateExecutions("browser two-step", e);
            }
        }
        call("PUT", "two-step", "{\"required\":true,\"method\":\"any\"}", 200);

        oauth.openLoginForm(); // the SSO cookie of the password-only session
        assertEquals("Your session began without the second step this site now requires. Please sign in again.",
                driver.findElement(By.cssSelector("#kc-error-message .instruction")).getText());
        assertNotLoggedIn();
        assertSecondStepMissing("sso-user", "session_without_second_step");

        passwordStep("sso-user"); // the session is gone: password, then the code
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(number).code());
        declineDeviceOffer();
        assertLoggedIn();

        oauth.openLoginForm(); // this session passed the policy: SSO goes through without another code
        assertLoggedIn();
        assertEquals(1, vonage.to(number).size(), "no second code for the SSO login");
    }

    /** With the policy on, a remembered device still skips the code, and so does the SSO login that follows. */
    @Test
    void aRememberedDeviceStillSkipsTheCodeWithThePolicyOn() throws Exception {
        call("POST", "two-step/setup", null, 200);
        call("PUT", "two-step", "{\"required\":true,\"method\":\"any\"}", 200);
        String number = TestUsers.newNumber();
        user("remembered", number);
        passwordStep("remembered");
        codePage.enterCode(vonage.last(number).code());
        TrustedDeviceOfferPage offer = new TrustedDeviceOfferPage(driver);
        offer.assertCurrent();
        offer.answer(true);
        assertLoggedIn();

        driver.open(realm.getBaseUrl() + "/protocol/openid-connect/logout");
        Set<Cookie> trust = driver.cookies().getAll().stream()
                .filter(c -> c.getName().startsWith("KC_TWO_STEP_DEVICE_")).collect(Collectors.toSet());
        assertEquals(1, trust.size());
        for (Cookie c : trust) {
            IssuedSecrets.text(c.getValue().substring(c.getValue().indexOf('.') + 1)); // for the log scan
        }
        driver.cookies().deleteAll();
        trust.forEach(driver.cookies()::add);

        passwordStep("remembered");
        assertLoggedIn();
        oauth.openLoginForm();
        assertLoggedIn();
        assertEquals(1, vonage.to(number).size(), "one code, at the first login only");
    }

    @Test
    void aCustomisedBrowserFlowKeepsItsCustomisation() throws Exception {
        // The operator's own browser flow: username and password on separate pages, and an extra step.
        Map<String, Object> copy = new HashMap<>(Map.of("newName", "corporate"));
        realm.admin().flows().copy("browser", copy).close();
        String forms = "corporate forms";
        for (AuthenticationExecutionInfoRepresentation e : realm.admin().flows().getExecutions(forms)) {
            if ("auth-username-password-form".equals(e.getProviderId())) {
                realm.admin().flows().removeExecution(e.getId());
            }
        }
        realm.admin().flows().addExecution(forms, Map.of("provider", "auth-username-form"));
        realm.admin().flows().addExecution(forms, Map.of("provider", "auth-password-form"));
        realm.admin().flows().addExecution(forms, Map.of("provider", "allow-access-authenticator"));
        List<AuthenticationExecutionInfoRepresentation> added = realm.admin().flows().getExecutions(forms);
        for (AuthenticationExecutionInfoRepresentation e : added) {
            if (e.getLevel() == 0 && e.getProviderId() != null && !e.getRequirement().equals("REQUIRED")
                    && List.of("auth-username-form", "auth-password-form", "allow-access-authenticator")
                    .contains(e.getProviderId())) {
                e.setRequirement("REQUIRED");
                realm.admin().flows().updateExecutions(forms, e);
            }
        }
        // Keycloak appends new executions: move the conditional 2FA sub-flow back to the end.
        String twoFactor = realm.admin().flows().getExecutions(forms).stream()
                .filter(e -> e.getLevel() == 0 && e.getDisplayName().contains("Conditional 2FA")).findFirst()
                .orElseThrow().getId();
        for (int i = 0; i < 3; i++) {
            realm.admin().flows().lowerPriority(twoFactor);
        }
        RealmRepresentation rep = realm.admin().toRepresentation();
        rep.setBrowserFlow("corporate");
        realm.admin().update(rep);

        call("POST", "two-step/setup", null, 200);
        assertEquals("corporate two-step", realm.admin().toRepresentation().getBrowserFlow());
        List<String> steps = realm.admin().flows().getExecutions("corporate two-step").stream()
                .map(e -> e.getLevel() + ":" + (e.getProviderId() == null ? e.getDisplayName() : e.getProviderId()))
                .toList();
        for (String kept : List.of("1:auth-username-form", "1:auth-password-form", "1:allow-access-authenticator",
                "2:conditional-two-step", "2:two-step-enrolment", "3:auth-otp-form", "3:sms-otp-form",
                "3:trusted-device", "2:trusted-device-offer")) {
            assertTrue(steps.contains(kept), kept + " in " + steps);
        }
        assertFalse(steps.contains("1:auth-username-password-form"), steps.toString());

        call("PUT", "two-step", "{\"required\":true,\"method\":\"any\"}", 200);
        String number = TestUsers.newNumber();
        user("two-pages", number);
        oauth.openLoginForm();
        driver.findElement(By.id("username")).sendKeys("two-pages");
        driver.findElement(By.id("kc-login")).click();
        driver.findElement(By.id("password")).sendKeys(TestUsers.PASSWORD);
        driver.findElement(By.id("kc-login")).click();
        codePage.assertCurrent();
        codePage.enterCode(vonage.last(number).code());
        declineDeviceOffer();
        assertLoggedIn();
    }

    @Test
    void setUpGivesIdentityProvidersWithoutAPostLoginFlowTheTwoStepOne() throws Exception {
        IdentityProviderRepresentation idp = new IdentityProviderRepresentation();
        idp.setAlias("partner");
        idp.setProviderId("oidc");
        idp.setEnabled(true);
        idp.setConfig(new HashMap<>(Map.of("clientId", "x", "clientSecret", "y", "authorizationUrl",
                "http://localhost:1/auth", "tokenUrl", "http://localhost:1/token", "clientAuthMethod",
                "client_secret_post")));
        realm.admin().identityProviders().create(idp).close();
        JsonNode before = readiness().path("identityProviders");
        assertEquals(1, before.size(), before.toString());
        assertFalse(before.get(0).path("enforcesPolicy").asBoolean());
        assertTrue(before.get(0).path("reasons").get(0).asText().contains("no post login flow"), before.toString());

        call("POST", "two-step/setup", null, 200);
        assertEquals("two-step post broker login",
                realm.admin().identityProviders().get("partner").toRepresentation().getPostBrokerLoginFlowAlias());
        assertTrue(readiness().path("identityProviders").get(0).path("enforcesPolicy").asBoolean());
    }

    /** A 2FA sub-flow with a condition the policy cannot vouch for: refused by name, and nothing is changed. */
    @Test
    void aFlowTooUnusualToChangeIsRefusedByNameAndNothingChanges() throws Exception {
        realm.admin().flows().copy("browser", new HashMap<>(Map.of("newName", "by role"))).close();
        realm.admin().flows().addExecution("by role Browser - Conditional 2FA",
                Map.of("provider", "conditional-user-role"));
        for (AuthenticationExecutionInfoRepresentation e
                : realm.admin().flows().getExecutions("by role Browser - Conditional 2FA")) {
            if ("conditional-user-role".equals(e.getProviderId())) {
                e.setRequirement("REQUIRED");
                realm.admin().flows().updateExecutions("by role Browser - Conditional 2FA", e);
            }
        }
        RealmRepresentation rep = realm.admin().toRepresentation();
        rep.setBrowserFlow("by role");
        realm.admin().update(rep);

        JsonNode dryRun = call("POST", "two-step/setup?dryRun=true", null, 200);
        assertEquals(1, dryRun.path("refusals").size(), dryRun.toString());
        assertEquals("by role", dryRun.path("refusals").get(0).path("flow").asText());

        HttpResponse<String> refused = raw("POST", "two-step/setup", null);
        assertEquals(409, refused.statusCode(), refused.body());
        String message = json.readTree(refused.body()).path("errorMessage").asText();
        assertTrue(message.contains("'by role Browser - Conditional 2FA'") && message.contains("by hand"), message);
        assertEquals("by role", realm.admin().toRepresentation().getBrowserFlow());
        assertTrue(realm.admin().flows().getRequiredActions().stream()
                        .noneMatch(a -> "configure-sms-otp".equals(a.getProviderId())),
                "with a refusal nothing is changed, not even the pieces that could be");
    }

    /** The tab: switching on an unwired realm is refused; with "Set up the realm on save" it wires and switches. */
    @Test
    void theTabRefusesTheSwitchOnAnUnwiredRealmAndSetsItUpWhenAsked() throws Exception {
        String component = "{\"name\":\"Two-step login\",\"providerId\":\"Two-step login\","
                + "\"providerType\":\"org.keycloak.services.ui.extend.UiTabProvider\",\"parentId\":\"" + realm.getId()
                + "\",\"config\":{\"required\":[\"true\"],\"method\":[\"any\"]}}";
        HttpResponse<String> refused = raw("POST", "components", component);
        assertEquals(400, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("cannot be switched on"), refused.body());
        assertEquals(null, realm.admin().toRepresentation().getAttributes().get("twoStep.required"));

        HttpResponse<String> saved = raw("POST", "components",
                component.replace("\"method\":[\"any\"]", "\"method\":[\"any\"],\"setUp\":[\"true\"]"));
        assertEquals(201, saved.statusCode(), saved.body());
        assertEquals("true", realm.admin().toRepresentation().getAttributes().get("twoStep.required"));
        assertEquals("browser two-step", realm.admin().toRepresentation().getBrowserFlow());
        String id = saved.headers().firstValue("Location").orElseThrow().replaceAll(".*/", "");
        assertEquals("false", call("GET", "components/" + id, null, 200).path("config").path("setUp").get(0)
                .asText(), "the switch turns itself off");
    }

    /** A direct grant flow without the guard blocks the switch only while some client may use direct grants. */
    @Test
    void anUnguardedDirectGrantBlocksTheSwitchOnlyWhileAClientMayUseIt() throws Exception {
        call("POST", "two-step/setup", null, 200);
        RealmRepresentation rep = realm.admin().toRepresentation();
        rep.setDirectGrantFlow("direct grant"); // Keycloak's own, without the guard
        realm.admin().update(rep);
        assertTrue(readiness().path("directGrant").path("inUse").asBoolean());
        assertEquals(409, raw("PUT", "two-step", "{\"required\":true}").statusCode());

        for (var client : realm.admin().clients().findAll()) {
            if (Boolean.TRUE.equals(client.isDirectAccessGrantsEnabled())) {
                client.setDirectAccessGrantsEnabled(false);
                realm.admin().clients().get(client.getId()).update(client);
            }
        }
        JsonNode directGrant = readiness().path("directGrant");
        assertFalse(directGrant.path("inUse").asBoolean(), directGrant.toString());
        assertFalse(directGrant.path("enforcesPolicy").asBoolean(), "still reported");
        call("PUT", "two-step", "{\"required\":true}", 200);
    }

    /** A disabled safety net does not run: switching on is refused until it is enabled again. */
    @Test
    void switchingOnIsRefusedWhileTheSafetyNetIsDisabled() throws Exception {
        call("POST", "two-step/setup", null, 200);
        var net = realm.admin().flows().getRequiredAction("two-step-login-check");
        net.setEnabled(false);
        realm.admin().flows().updateRequiredAction("two-step-login-check", net);
        HttpResponse<String> refused = raw("PUT", "two-step", "{\"required\":true}");
        assertEquals(409, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("'Two-step login check' (two-step-login-check) is disabled"),
                refused.body());
        assertFalse(readiness().path("safetyNet").path("enabled").asBoolean());
        call("POST", "two-step/setup", null, 200); // enables it again
        call("PUT", "two-step", "{\"required\":true}", 200);
    }

    /**
     * An import that switches the policy on: refused while the realm does not enforce it, wired when it asks for
     * the set-up. Realms created through {@code POST /admin/realms}, as an operator's import script does.
     */
    @Test
    void anImportSwitchingThePolicyOnIsRefusedUnlessItAsksForTheSetUp() throws Exception {
        String base = realm.getBaseUrl().replace("/realms/" + realm.getName(), "/admin/realms");
        String plain = "{\"realm\":\"import-no-setup\",\"enabled\":true,"
                + "\"attributes\":{\"twoStep.required\":\"true\"}}";
        HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create(base))
                .header("Authorization", "Bearer " + adminToken()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(plain)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("twoStep.setUpOnImport"), refused.body());
        assertTrue(refused.body().contains("flow 'browser'"), refused.body());

        String wired = plain.replace("import-no-setup", "import-setup")
                .replace("\"twoStep.required\":\"true\"",
                        "\"twoStep.required\":\"true\",\"twoStep.setUpOnImport\":\"true\"");
        HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(URI.create(base))
                .header("Authorization", "Bearer " + adminToken()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(wired)).build(), HttpResponse.BodyHandlers.ofString());
        try {
            assertEquals(201, created.statusCode(), created.body());
            HttpResponse<String> rep = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/import-setup"))
                    .header("Authorization", "Bearer " + adminToken()).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode imported = json.readTree(rep.body());
            assertEquals("browser two-step", imported.path("browserFlow").asText());
            assertEquals("true", imported.path("attributes").path("twoStep.required").asText());
            assertTrue(imported.path("attributes").path("twoStep.setUpOnImport").isMissingNode(),
                    "the option is used up");
        } finally {
            HTTP.send(HttpRequest.newBuilder(URI.create(base + "/import-setup"))
                    .header("Authorization", "Bearer " + adminToken()).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    // ---- helpers

    private void startOver() {
        driver.open(realm.getBaseUrl() + "/protocol/openid-connect/logout");
        driver.cookies().deleteAll();
    }

    private void passwordStep(String username) {
        oauth.openLoginForm();
        loginPage.fillLogin(username, TestUsers.PASSWORD);
        loginPage.submit();
    }

    /**
     * Saves the recovery codes offered after a first set-up, and waits for the client callback. "Remember this
     * device?" must not be showing: a journey that expects it answers it first ({@link #declineDeviceOffer()}).
     */
    private void assertLoggedIn() {
        if (!driver.getCurrentUrl().contains("code=") && new RecoveryCodesPage(driver).isCurrent()) {
            new RecoveryCodesPage(driver).save();
        }
        assertTrue(driver.getCurrentUrl().contains("code=")
                        || !"login-trusted-device-offer".equals(driver.page().getCurrentPageId()),
                "'Remember this device?' offered where this journey expects no offer");
        driver.waiting().waitForOAuthCallback();
        assertNotNull(oauth.parseLoginResponse().getCode(), "expected an authorization code at the client");
    }

    /** Answers the expected "Remember this device?" with no: the page must be showing, its box unticked. */
    private void declineDeviceOffer() {
        TrustedDeviceOfferPage offer = new TrustedDeviceOfferPage(driver);
        offer.assertCurrent();
        offer.answer(false);
    }

    /** Saves this realm's user events (a new realm saves none), so a test can read them back. */
    private void storeEvents() {
        RealmEventsConfigRepresentation events = realm.admin().getRealmEventsConfig();
        events.setEventsEnabled(true);
        realm.admin().updateRealmEventsConfig(events);
    }

    /** The safety net's refusal is a {@code LOGIN_ERROR} event with {@code two_step_event=second_step_missing}. */
    private void assertSecondStepMissing(String username, String reason) {
        String userId = realm.admin().users().searchByUsername(username, true).get(0).getId();
        List<EventRepresentation> errors = realm.admin().getEvents(List.of("LOGIN_ERROR"), null, userId, null, null,
                null, 0, 10);
        EventRepresentation refused = errors.stream().filter(e -> "two_step_second_step_missing".equals(e.getError()))
                .findFirst().orElseThrow(() -> new AssertionError("no second_step_missing event in "
                        + errors.stream().map(e -> e.getError() + " " + e.getDetails()).toList()));
        assertEquals("second_step_missing", refused.getDetails().get("two_step_event"));
        assertEquals(reason, refused.getDetails().get("reason"));
    }

    private void assertNotLoggedIn() {
        assertFalse(driver.getCurrentUrl().contains("code="), "no authorization code may reach the client");
    }

    /** Creates a user with a password and, if given, a bound SMS number. */
    private void user(String username, String boundNumber) {
        UserRepresentation user = new UserRepresentation();
        user.setUsername(username);
        user.setEnabled(true);
        user.setEmail(username + "@example.org");
        user.setEmailVerified(true);
        user.setFirstName("Test");
        user.setLastName(username);
        CredentialRepresentation password = new CredentialRepresentation();
        password.setType(CredentialRepresentation.PASSWORD);
        password.setValue(TestUsers.PASSWORD);
        password.setTemporary(false);
        List<CredentialRepresentation> credentials = new ArrayList<>(List.of(password));
        if (boundNumber != null) {
            CredentialRepresentation sms = new CredentialRepresentation();
            sms.setType("sms-otp");
            sms.setUserLabel("test");
            sms.setSecretData("{}");
            sms.setCredentialData("{\"phoneNumber\":\"" + boundNumber + "\"}");
            credentials.add(sms);
        }
        user.setCredentials(credentials);
        PartialImportRepresentation rep = new PartialImportRepresentation();
        rep.setIfResourceExists(PartialImportRepresentation.Policy.FAIL.name());
        rep.setUsers(List.of(user));
        realm.admin().partialImport(rep).close();
    }

    private void setPhone(String id, String number) {
        UserRepresentation user = realm.admin().users().get(id).toRepresentation();
        Map<String, List<String>> attributes = user.getAttributes() == null ? new HashMap<>()
                : new HashMap<>(user.getAttributes());
        attributes.put("phoneNumber", List.of(number));
        user.setAttributes(attributes);
        realm.admin().users().get(id).update(user);
    }

    private String phoneOf(String id) {
        Map<String, List<String>> attributes = realm.admin().users().get(id).toRepresentation().getAttributes();
        return attributes == null || attributes.get("phoneNumber") == null ? null
                : attributes.get("phoneNumber").get(0);
    }

    private JsonNode readiness() throws Exception {
        return call("GET", "two-step/readiness", null, 200).path("flows");
    }

    private JsonNode call(String method, String path, String body, int expected) throws Exception {
        HttpResponse<String> response = raw(method, path, body);
        assertEquals(expected, response.statusCode(), method + " " + path + ": " + response.body());
        return json.readTree(response.body());
    }

    private HttpResponse<String> raw(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(
                        realm.getBaseUrl().replace("/realms/", "/admin/realms/") + "/" + path))
                .header("Authorization", "Bearer " + adminToken()).header("Accept", "application/json");
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String adminToken() throws Exception {
        String form = "grant_type=password&client_id=admin-cli&username=admin&password=admin";
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(
                        realm.getBaseUrl().replace("/realms/" + realm.getName(), "/realms/master")
                                + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        return json.readTree(response.body()).path("access_token").asText();
    }
}
