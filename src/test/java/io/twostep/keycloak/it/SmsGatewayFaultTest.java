package io.twostep.keycloak.it;

import io.twostep.keycloak.support.FakeVonage.Behaviour;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** When Vonage refuses, fails or stays silent, the user gets a message by kind and no login. */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class SmsGatewayFaultTest extends AbstractJourneyTest {

    private static final String TRY_LATER =
            "We could not send the text message just now. Please try again in a few minutes.";

    @Test
    void invalidNumberStatusSaysTheNumberCannotReceiveSms() {
        assertLoginStopsWith(new Behaviour.Status(3, "Invalid to parameter"), "fault-status-3",
                "This phone number cannot receive text messages. Use another way to sign in, or contact your administrator.");
    }

    @Test
    void outOfCreditStatusSendsUsersToTheAdministrator() {
        assertLoginStopsWith(new Behaviour.Status(9, "Partner quota exceeded"), "fault-status-9",
                "Text messages cannot be sent at the moment. Please contact your administrator.");
    }

    @Test
    void http500SaysTryAgainLater() {
        assertLoginStopsWith(new Behaviour.Http(500), "fault-http-500", TRY_LATER);
    }

    @Test
    void noAnswerWithinTheTimeoutSaysTryAgainLater() {
        assertLoginStopsWith(new Behaviour.Slow(TwoStepServerConfig.VONAGE_TIMEOUT_MS + 1500L), "fault-timeout",
                TRY_LATER);
    }

    @Test
    void nonJsonAnswerSaysTryAgainLater() {
        assertLoginStopsWith(new Behaviour.NotJson(), "fault-not-json", TRY_LATER);
    }

    private void assertLoginStopsWith(Behaviour fault, String username, String message) {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), username, number);
        vonage.behave(fault);
        passwordStep(username);

        codePage.assertCurrent();
        assertEquals(message, codePage.errorMessage().orElseThrow());
        assertNotLoggedIn();
        // Whatever code a guesser types, there is none to match.
        codePage.enterCode("123456");
        codePage.assertCurrent();
        assertNotLoggedIn();
    }
}
