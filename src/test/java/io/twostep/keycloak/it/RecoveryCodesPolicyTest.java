package io.twostep.keycloak.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.twostep.keycloak.support.RecoveryCodesPage;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.AuthenticationExecutionInfoRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.openqa.selenium.By;

import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code twoStep.recoveryCodes}: {@code required} asks every user with a factor, {@code off} switches codes off. */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class RecoveryCodesPolicyTest extends AbstractJourneyTest {

    private final ObjectMapper json = new ObjectMapper();
    private RecoveryCodesPage codesPage;
    private String token;

    @BeforeEach
    void page() throws Exception {
        codesPage = new RecoveryCodesPage(driver);
        token = adminToken();
    }

    @AfterEach
    void backToTheDefaults() throws Exception {
        adminCall("PUT", "two-step", "{\"required\":false,\"method\":\"any\",\"recoveryCodes\":\"offer\"}",
                adminToken(), "application/json");
    }

    private void put(String body) throws Exception {
        HttpResponse<String> response = adminCall("PUT", "two-step", body, token, "application/json");
        assertEquals(200, response.statusCode(), response.body());
    }

    private boolean hasCodes(String username) {
        return realm.admin().users().get(TestUsers.id(realm.admin(), username)).credentials().stream()
                .anyMatch(c -> "recovery-authn-codes".equals(c.getType()));
    }

    @Test
    void withThePolicyOnAndCodesRequiredEveryUserEndsUpWithCodes() throws Exception {
        put("{\"required\":true,\"method\":\"any\",\"recoveryCodes\":\"required\"}");

        // A user enrolling under the policy: the number, then the codes, then the login.
        TestUsers.plain(realm.admin(), "policy-enrol");
        passwordStep("policy-enrol");
        phonePage.assertCurrent();
        String number = TestUsers.newNumber();
        phonePage.submitNumber(number);
        codePage.enterCode(vonage.last(number).code());
        assertTrue(codesPage.isCurrent(), driver.page().getCurrentPageId());
        assertNotLoggedIn();
        codesPage.save();
        assertLoggedIn();
        assertTrue(hasCodes("policy-enrol"));

        // A user who had a number before codes existed is asked at the next login with the code.
        String had = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "had-number", had);
        startOver();
        passwordStep("had-number");
        codePage.enterCode(vonage.last(had).code());
        declineDeviceOffer(); // the login flow shows it before the required actions
        assertTrue(codesPage.isCurrent(), "required: " + driver.page().getCurrentPageId());
        assertNotLoggedIn();
        codesPage.save();
        assertLoggedIn();
        assertTrue(hasCodes("had-number"));

        // With 'offer', such a user is not asked.
        put("{\"recoveryCodes\":\"offer\"}");
        String other = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "offer-only", other);
        startOver();
        passwordStep("offer-only");
        codePage.enterCode(vonage.last(other).code());
        declineDeviceOffer();
        assertFalse(codesPage.isCurrent(), "offer asks only after a first set-up");
        assertLoggedIn();
        assertFalse(hasCodes("offer-only"));
    }

    @Test
    void aRememberedDeviceDoesNotOpenTheCodesPageTheNextLoginWithTheCodeDoes() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "remembered", number);
        passwordStep("remembered");
        codePage.enterCode(vonage.last(number).code());
        rememberDevice();
        driver.waiting().waitForOAuthCallback();

        put("{\"recoveryCodes\":\"required\"}");
        driver.open(realm.getBaseUrl() + "/protocol/openid-connect/logout");
        var kept = driver.cookies().getAll().stream().filter(c -> c.getName().startsWith("KC_TWO_STEP_DEVICE_"))
                .toList();
        driver.cookies().deleteAll();
        kept.forEach(driver.cookies()::add);
        passwordStep("remembered");
        driver.waiting().waitForOAuthCallback(); // skipped, and not refused: the codes wait for a proven login
        assertFalse(hasCodes("remembered"));
    }

    @Test
    void offSwitchesCodesOffAtLoginAndAfterEnrolment() throws Exception {
        put("{\"recoveryCodes\":\"off\"}");
        String number = TestUsers.newNumber();
        TestUsers.withRecoveryCodes(realm.admin(), "codes-off", number, false, TestUsers.newRecoveryCodes());
        passwordStep("codes-off");
        codePage.assertCurrent();
        assertTrue(driver.driver().findElements(By.id("try-another-way")).isEmpty(),
                "the recovery-code form is no other way while codes are off");
        codePage.enterCode(vonage.last(number).code());
        declineDeviceOffer();
        assertLoggedIn();

        TestUsers.needingEnrolment(realm.admin(), "enrol-off", null);
        String fresh = TestUsers.newNumber();
        startOver();
        passwordStep("enrol-off");
        phonePage.submitNumber(fresh);
        codePage.enterCode(vonage.last(fresh).code());
        assertFalse(codesPage.isCurrent(), "no codes offered while off");
        assertLoggedIn();
        assertFalse(hasCodes("enrol-off"));
    }

    @Test
    void requiringCodesIsRefusedWhileTheBrowserFlowCannotRunTheFormUntilTheSetUpWiresIt() throws Exception {
        AuthenticationExecutionInfoRepresentation form = realm.admin().flows().getExecutions("browser-two-step")
                .stream().filter(e -> "auth-recovery-authn-code-form".equals(e.getProviderId())).findFirst()
                .orElseThrow();
        form.setRequirement("DISABLED");
        realm.admin().flows().updateExecutions("browser-two-step", form);
        try {
            HttpResponse<String> refused = adminCall("PUT", "two-step", "{\"recoveryCodes\":\"required\"}", token,
                    "application/json");
            assertEquals(409, refused.statusCode(), refused.body());
            String message = json.readTree(refused.body()).path("errorMessage").asText();
            assertTrue(message.contains("cannot run the 'Recovery Authentication Code Form'"), message);
            assertFalse(json.readTree(adminCall("GET", "two-step/readiness", null, token, "application/json")
                    .body()).path("recoveryCodes").path("usable").asBoolean());

            put("{\"recoveryCodes\":\"required\",\"setUp\":true}");
            assertEquals("ALTERNATIVE", realm.admin().flows().getExecutions("browser-two-step").stream()
                    .filter(e -> "auth-recovery-authn-code-form".equals(e.getProviderId())).findFirst()
                    .orElseThrow().getRequirement(), "the set-up turned the form on again");
            List<String> changes = json.readTree(adminCall("POST", "two-step/setup?dryRun=true", null, token,
                    "application/json").body()).path("changes").findValuesAsText("change");
            assertEquals(List.of(), changes, "the demo realm is wired again");
        } finally {
            form.setRequirement("ALTERNATIVE");
            realm.admin().flows().updateExecutions("browser-two-step", form);
        }
    }
}
