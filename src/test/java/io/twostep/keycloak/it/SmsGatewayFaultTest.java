package io.twostep.keycloak.it;

import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.FakeVonage.Behaviour;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlInput;
import org.htmlunit.html.HtmlPage;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When Vonage refuses, fails or stays silent, the user gets a message by kind, no login, and an event. */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class SmsGatewayFaultTest extends AbstractJourneyTest {

    private static final String TRY_LATER =
            "We could not send the text message just now. Please try again in a few minutes.";
    private static final String CANNOT_RECEIVE =
            "This phone number cannot receive text messages. Use another way to sign in, or contact your administrator.";
    private static final String ADMINISTRATOR =
            "Text messages cannot be sent at the moment. Please contact your administrator.";

    /**
     * Each Vonage answer of the README's table: what the user reads, the event's reason, and how many requests
     * reached the gateway (2 where the refusal surely sent nothing and is retried once; 1 where the SMS may have
     * gone out or the refusal is final).
     */
    static Stream<Arguments> faults() {
        return Stream.of(
                Arguments.of("status-1", new Behaviour.Status(1, "Throttled"), TRY_LATER, "temporary", 2),
                Arguments.of("status-3", new Behaviour.Status(3, "Invalid to parameter"), CANNOT_RECEIVE, "invalid_number", 1),
                Arguments.of("status-6", new Behaviour.Status(6, "Invalid message"), CANNOT_RECEIVE, "invalid_number", 1),
                Arguments.of("status-7", new Behaviour.Status(7, "Number barred"), CANNOT_RECEIVE, "invalid_number", 1),
                Arguments.of("status-9", new Behaviour.Status(9, "Partner quota exceeded"), ADMINISTRATOR, "configuration", 1),
                Arguments.of("status-15", new Behaviour.Status(15, "Illegal sender address"), ADMINISTRATOR, "configuration", 1),
                Arguments.of("status-29", new Behaviour.Status(29, "Non-whitelisted destination"), ADMINISTRATOR, "configuration", 1),
                Arguments.of("status-33", new Behaviour.Status(33, "Number de-activated"), CANNOT_RECEIVE, "invalid_number", 1),
                Arguments.of("status-4", new Behaviour.Status(4, "Invalid credentials"), ADMINISTRATOR, "configuration", 1),
                Arguments.of("status-5", new Behaviour.Status(5, "Internal error"), TRY_LATER, "temporary", 2),
                Arguments.of("http-401", new Behaviour.Http(401), ADMINISTRATOR, "configuration", 1),
                Arguments.of("http-429", new Behaviour.Http(429), TRY_LATER, "temporary", 2),
                // A long text goes in parts: the first accepted, the second refused for lack of credit.
                Arguments.of("parts-0-9", new Behaviour.Parts(List.of(0, 9)), ADMINISTRATOR, "configuration", 1),
                Arguments.of("http-500", new Behaviour.Http(500), TRY_LATER, "provider_down", 2),
                Arguments.of("not-json", new Behaviour.NotJson(), TRY_LATER, "provider_down", 1),
                Arguments.of("timeout", new Behaviour.Slow(TwoStepServerConfig.VONAGE_TIMEOUT_MS + 1500L), TRY_LATER,
                        "provider_down", 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void loginStopsWithAMessageByKind(String row, Behaviour fault, String message, String reason, int attempts) {
        String username = "fault-" + row;
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), username, number);
        vonage.behave(fault);
        passwordStep(username);

        codePage.assertCurrent();
        assertEquals(message, codePage.errorMessage().orElseThrow());
        assertEquals(attempts, vonage.to(number).size(), "requests that reached the gateway");
        assertNotLoggedIn();
        codePage.enterCode("123456"); // whatever a guesser types, there is no code to match
        codePage.assertCurrent();
        assertNotLoggedIn();
        assertEquals(attempts, vonage.to(number).size(), "a wrong code sends nothing");

        List<EventRepresentation> failed = realm.admin()
                .getEvents(List.of("CUSTOM_REQUIRED_ACTION_ERROR"), null, TestUsers.id(realm.admin(), username),
                        null, null, null, 0, 10);
        assertEquals(1, failed.size());
        assertEquals("sms_send_failed", failed.get(0).getError());
        assertEquals(reason, failed.get(0).getDetails().get("reason"));
        assertFalse(failed.get(0).getDetails().toString().contains(FakeVonage.API_SECRET));
    }

    /** A text Vonage sends in two parts, both accepted: the code arrives and the login completes. */
    @Test
    void aMessageInTwoAcceptedPartsLogsIn() {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "fault-parts-ok", number);
        vonage.behave(new Behaviour.Parts(List.of(0, 0)));
        passwordStep("fault-parts-ok");
        codePage.assertCurrent();
        assertTrue(codePage.errorMessage().isEmpty(), () -> codePage.errorMessage().orElseThrow());
        assertEquals(1, vonage.to(number).size());
        codePage.enterCode(vonage.last(number).code());
        declineDeviceOffer();
        assertLoggedIn();
        EventRepresentation sent = realm.admin().getEvents(List.of("CUSTOM_REQUIRED_ACTION"), null,
                TestUsers.id(realm.admin(), "fault-parts-ok"), null, null, null, 0, 10).get(0);
        assertEquals("sms_code_sent", sent.getDetails().get("two_step_event"));
        assertTrue(sent.getDetails().get("sms_message_id").startsWith("fake-part-"), sent.getDetails().toString());
    }

    @Test
    void aSlowGatewayAnswerDoesNotHoldOtherLoginsBack() throws Exception {
        String slowNumber = TestUsers.newNumber();
        String fastNumber = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "fault-slow-a", slowNumber);
        TestUsers.withBoundNumber(realm.admin(), "fault-slow-b", fastNumber);
        vonage.behaveFor(slowNumber, new Behaviour.Slow(TwoStepServerConfig.VONAGE_TIMEOUT_MS - 200L));
        String loginUrl = oauth.loginForm().build();

        ExecutorService otherBrowser = Executors.newSingleThreadExecutor();
        try {
            Future<String> slowLogin = otherBrowser.submit(() -> {
                try (WebClient client = new WebClient()) {
                    client.getOptions().setJavaScriptEnabled(false);
                    HtmlPage login = client.getPage(loginUrl);
                    login.<HtmlInput>getHtmlElementById("username").type("fault-slow-a");
                    login.<HtmlInput>getHtmlElementById("password").type(TestUsers.PASSWORD);
                    HtmlPage next = login.getHtmlElementById("kc-login").click();
                    return next.getBody().getAttribute("data-page-id");
                }
            });
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (vonage.to(slowNumber).isEmpty()) { // until the other login waits on the gateway
                if ((System.nanoTime() > giveUp || slowLogin.isDone()) && vonage.to(slowNumber).isEmpty()) {
                    throw new AssertionError("the other login never reached the gateway"
                            + (slowLogin.isDone() ? ", it ended on: " + slowLogin.get() : " within 30 s"));
                }
                Thread.sleep(20);
            }
            passwordStep("fault-slow-b");
            codePage.assertCurrent();
            long heldFor = vonage.last(fastNumber).receivedAt() - vonage.last(slowNumber).receivedAt();
            assertTrue(heldFor < (TwoStepServerConfig.VONAGE_TIMEOUT_MS - 200L) * 1_000_000L,
                    "this login's SMS went out while the other still waited for the gateway");
            codePage.enterCode(vonage.last(fastNumber).code());
            declineDeviceOffer();
            assertLoggedIn();
            assertEquals("login-sms-otp-form", slowLogin.get(30, TimeUnit.SECONDS), "the slow login got there too");
        } finally {
            otherBrowser.shutdownNow();
        }
    }

    @Test
    void forwardedForHeaderIsIgnoredWithoutATrustedProxy() {
        // This server does not trust proxy headers: a client cannot pick its address to dodge the per-address limit.
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "fault-xff", number);
        ((org.openqa.selenium.htmlunit.HtmlUnitDriver) driver.driver()).getWebClient()
                .addRequestHeader("X-Forwarded-For", "203.0.113.99");
        try {
            passwordStep("fault-xff");
            codePage.enterCode(vonage.last(number).code());
            declineDeviceOffer();
            assertLoggedIn();
            List<EventRepresentation> logins = realm.admin().getEvents(List.of("LOGIN"), null,
                    TestUsers.id(realm.admin(), "fault-xff"), null, null, null, 0, 5);
            assertEquals("127.0.0.1", logins.get(0).getIpAddress());
        } finally {
            ((org.openqa.selenium.htmlunit.HtmlUnitDriver) driver.driver()).getWebClient()
                    .removeRequestHeader("X-Forwarded-For");
        }
    }

    @Test
    void aTemporaryRefusalIsRetriedOnceAndTheLoginGoesOn() {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "fault-retry", number);
        vonage.behave(new Behaviour.FailFirst(new Behaviour.Http(503), 1));
        passwordStep("fault-retry");

        codePage.assertCurrent();
        assertTrue(codePage.errorMessage().isEmpty());
        assertEquals(2, vonage.to(number).size(), "the first try was refused, the retry went through");
        codePage.enterCode(vonage.last(number).code());
        declineDeviceOffer();
        assertLoggedIn();
    }

}
