package io.twostep.keycloak.sms.vonage;

import io.twostep.keycloak.sms.SentSms;
import io.twostep.keycloak.sms.SmsSendException;
import io.twostep.keycloak.sms.SmsSendException.Reason;
import io.twostep.keycloak.sms.SmsSender;
import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.FakeVonage.Behaviour;
import io.twostep.keycloak.support.MapScope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real Vonage SDK, configured by our factory, against the local fake of the SMS API. */
class VonageSmsSenderTest {

    private static final String NUMBER = "+4915199900001";
    private final FakeVonage vonage = FakeVonage.instance();

    @AfterEach
    void reset() {
        vonage.reset();
    }

    private SmsSender sender(String secret, int timeoutMs) {
        VonageSmsSenderFactory factory = new VonageSmsSenderFactory();
        factory.init(new MapScope(Map.of("api-key", FakeVonage.API_KEY, "api-secret", secret,
                "base-uri", vonage.baseUri(), "from", "Brand", "timeout-ms", Integer.toString(timeoutMs))));
        return factory.create(null);
    }

    @Test
    void acceptedMessageReturnsTheMessageIdAndSendsDigitsWithoutPlus() throws SmsSendException {
        SentSms sent = sender(FakeVonage.API_SECRET, 2000).send(NUMBER, "Code 123456\n\n@localhost #123456");
        assertTrue(sent.messageId().startsWith("fake-"));
        FakeVonage.Sms received = vonage.last(NUMBER);
        assertEquals("4915199900001", received.to());
        assertEquals("Brand", received.from());
        assertEquals("text", received.type());
        assertTrue(received.authorised());
    }

    @Test
    void textOutsideGsmAlphabetGoesAsUnicode() throws SmsSendException {
        sender(FakeVonage.API_SECRET, 2000).send(NUMBER, "Код 123456\n\n@localhost #123456");
        assertEquals("unicode", vonage.last(NUMBER).type());
    }

    @ParameterizedTest
    @CsvSource({"1,TEMPORARY", "3,INVALID_NUMBER", "6,INVALID_NUMBER", "7,INVALID_NUMBER", "9,CONFIGURATION",
            "15,CONFIGURATION", "29,CONFIGURATION", "33,INVALID_NUMBER"})
    void perPartStatusIsChecked(int status, Reason reason) {
        vonage.behave(new Behaviour.Status(status, "refused"));
        SmsSendException e = assertThrows(SmsSendException.class,
                () -> sender(FakeVonage.API_SECRET, 2000).send(NUMBER, "x #123456"));
        assertEquals(reason, e.getReason());
        assertFalse(e.getMessage().contains("123456"), "no code in the failure detail");
    }

    @ParameterizedTest
    @CsvSource({"500,PROVIDER_DOWN", "503,PROVIDER_DOWN", "429,TEMPORARY", "403,CONFIGURATION"})
    void httpErrorsAreMappedByStatus(int httpStatus, Reason reason) {
        vonage.behave(new Behaviour.Http(httpStatus));
        SmsSendException e = assertThrows(SmsSendException.class,
                () -> sender(FakeVonage.API_SECRET, 2000).send(NUMBER, "x #123456"));
        assertEquals(reason, e.getReason());
    }

    @Test
    void wrongSecretIsAConfigurationError() {
        SmsSendException e = assertThrows(SmsSendException.class,
                () -> sender("not-the-secret", 2000).send(NUMBER, "x #123456"));
        assertEquals(Reason.CONFIGURATION, e.getReason());
        assertTrue(e.getMessage().contains("401"), e.getMessage());
    }

    @Test
    void slowGatewayTimesOutAsProviderDown() {
        vonage.behave(new Behaviour.Slow(1500));
        long start = System.nanoTime();
        SmsSendException e = assertThrows(SmsSendException.class,
                () -> sender(FakeVonage.API_SECRET, 300).send(NUMBER, "x #123456"));
        assertEquals(Reason.PROVIDER_DOWN, e.getReason());
        assertTrue((System.nanoTime() - start) / 1_000_000 < 1400, "gave up at the timeout, not the answer");
    }

    @Test
    void nonJsonAnswerIsProviderDown() {
        vonage.behave(new Behaviour.NotJson());
        SmsSendException e = assertThrows(SmsSendException.class,
                () -> sender(FakeVonage.API_SECRET, 2000).send(NUMBER, "x #123456"));
        assertEquals(Reason.PROVIDER_DOWN, e.getReason());
    }

    @Test
    void temporaryRefusalIsRetriedOnceAfterABackoff() throws SmsSendException {
        vonage.behave(new Behaviour.FailFirst(new Behaviour.Status(1, "Throttled"), 1));
        int before = vonage.to(NUMBER).size();
        long start = System.nanoTime();
        sender(FakeVonage.API_SECRET, 2000).send(NUMBER, "x #123456");
        assertEquals(before + 2, vonage.to(NUMBER).size());
        assertTrue((System.nanoTime() - start) / 1_000_000 >= VonageSmsSender.RETRY_BACKOFF_MS, "waited before retrying");
    }

    @Test
    void serverErrorIsRetriedOnceOnly() {
        vonage.behave(new Behaviour.Http(503));
        int before = vonage.to(NUMBER).size();
        assertThrows(SmsSendException.class, () -> sender(FakeVonage.API_SECRET, 2000).send(NUMBER, "x #123456"));
        assertEquals(before + 2, vonage.to(NUMBER).size(), "one retry, not more");
    }

    @ParameterizedTest
    @CsvSource({"3", "9", "29"})
    void permanentRefusalsAreNotRetried(int status) {
        vonage.behave(new Behaviour.Status(status, "refused"));
        int before = vonage.to(NUMBER).size();
        assertThrows(SmsSendException.class, () -> sender(FakeVonage.API_SECRET, 2000).send(NUMBER, "x #123456"));
        assertEquals(before + 1, vonage.to(NUMBER).size());
    }

    @Test
    void timeoutIsNotRetriedBecauseTheSmsMayHaveGone() {
        vonage.behave(new Behaviour.Slow(800));
        int before = vonage.to(NUMBER).size();
        assertThrows(SmsSendException.class, () -> sender(FakeVonage.API_SECRET, 300).send(NUMBER, "x #123456"));
        assertEquals(before + 1, vonage.to(NUMBER).size());
    }

    /** The SDK's request signing logs the whole message at INFO; our factory silences it (docs/security.md S11). */
    @Test
    void signedRequestsLeaveNoCodeOrNumberInTheSdkLog() throws SmsSendException {
        java.util.logging.Logger vonageRoot = java.util.logging.Logger.getLogger("com.vonage");
        List<String> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                records.add(record.getLoggerName() + " " + record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(java.util.logging.Level.ALL);
        vonageRoot.addHandler(capture);
        // Only into the capture: the control below makes the SDK log a code and a number, which must not reach the
        // build's console, where it would read as a leak.
        boolean parentHandlers = vonageRoot.getUseParentHandlers();
        vonageRoot.setUseParentHandlers(false);
        vonageRoot.setLevel(java.util.logging.Level.ALL); // an operator turning com.vonage up to DEBUG
        try {
            VonageSmsSenderFactory factory = new VonageSmsSenderFactory();
            factory.init(new MapScope(Map.of("api-key", FakeVonage.API_KEY, "signature-secret", "sig-secret-5d1",
                    "base-uri", vonage.baseUri())));
            factory.create(null).send(NUMBER, "Code 735102\n\n@localhost #735102");
            assertTrue(vonage.last(NUMBER).authorised(), "signed request accepted");
            assertTrue(records.stream().noneMatch(r -> r.contains("735102") || r.contains("4915199900001")
                    || r.contains("sig-secret-5d1")), records.toString());

            // Control: without the silencing, the same send does leak, so the assertion above can fail.
            for (String name : List.of("com.vonage.client.auth.RequestSigning", "com.vonage.client.sms")) {
                java.util.logging.Logger.getLogger(name).setLevel(null);
                java.util.logging.Logger.getLogger(name).setFilter(null);
            }
            factory.create(null).send(NUMBER, "Code 735103\n\n@localhost #735103");
            assertTrue(records.stream().anyMatch(r -> r.contains("735103")), "control: the SDK logs the message");
        } finally {
            vonageRoot.removeHandler(capture);
            vonageRoot.setUseParentHandlers(parentHandlers);
            vonageRoot.setLevel(null);
            new VonageSmsSenderFactory().init(new MapScope(Map.of())); // silence again for later tests
        }
    }

    /** A long text goes in parts; every part's status counts, not only the first. */
    @ParameterizedTest
    @CsvSource({"0;9,CONFIGURATION", "0;0;3,INVALID_NUMBER", "9;0,CONFIGURATION"})
    void everyMessagePartIsChecked(String statuses, Reason reason) {
        vonage.behave(new Behaviour.Parts(java.util.Arrays.stream(statuses.split(";")).map(Integer::valueOf).toList()));
        SmsSendException e = assertThrows(SmsSendException.class,
                () -> sender(FakeVonage.API_SECRET, 2000).send(NUMBER, "x #123456"));
        assertEquals(reason, e.getReason());
    }

    @Test
    void aMessageInSeveralAcceptedPartsIsSent() throws SmsSendException {
        vonage.behave(new Behaviour.Parts(List.of(0, 0)));
        assertTrue(sender(FakeVonage.API_SECRET, 2000).send(NUMBER, "x #123456").messageId().startsWith("fake-part-"));
    }

    /**
     * Which refusals are tried once more (nothing was sent: status 1 throttled, 5 internal error, HTTP 429, 5xx) and
     * which are not (status 4 bad credentials, a non-JSON answer, where the SMS may have gone), counted at the gateway.
     */
    @ParameterizedTest
    @CsvSource({"status-1,2", "status-5,2", "status-4,1", "http-429,2", "http-502,2", "not-json,1"})
    void retriesAreCountedAtTheGateway(String fault, int attempts) {
        Behaviour behaviour = switch (fault) {
            case "not-json" -> new Behaviour.NotJson();
            default -> fault.startsWith("http-") ? new Behaviour.Http(Integer.parseInt(fault.substring(5)))
                    : new Behaviour.Status(Integer.parseInt(fault.substring(7)), "refused");
        };
        vonage.behave(behaviour);
        int before = vonage.to(NUMBER).size();
        assertThrows(SmsSendException.class, () -> sender(FakeVonage.API_SECRET, 2000).send(NUMBER, "x #123456"));
        assertEquals(before + attempts, vonage.to(NUMBER).size(), fault);
    }

    /** After repeated timeouts the sender fails at once, without calling the hanging gateway (GatewayGuard). */
    @Test
    void aGatewayThatKeepsTimingOutIsNotCalledForAWhile() {
        vonage.behave(new Behaviour.Slow(700));
        SmsSender sender = sender(FakeVonage.API_SECRET, 200);
        for (int i = 0; i < VonageSmsSenderFactory.FAILURES_TO_OPEN; i++) {
            assertThrows(SmsSendException.class, () -> sender.send(NUMBER, "x #123456"));
        }
        int reached = vonage.to(NUMBER).size();
        long start = System.nanoTime();
        SmsSendException fast = assertThrows(SmsSendException.class, () -> sender.send(NUMBER, "x #123456"));
        assertEquals(Reason.PROVIDER_DOWN, fast.getReason());
        assertTrue((System.nanoTime() - start) / 1_000_000 < 100, "failed at once");
        assertEquals(reached, vonage.to(NUMBER).size(), "the gateway was not called");
        assertEquals(SmsSendException.Stage.NOT_CALLED, fast.getStage());
    }

    /**
     * A per-message status this project does not know (Vonage's 102: the number opted out of a campaign) tells the
     * user to try later, but comes from a gateway that is up: any number of them in a row leave the breaker closed,
     * so numbers an attacker picks for such answers cannot stop SMS for everyone.
     */
    @Test
    void unknownPerMessageStatusesNeverOpenTheBreaker() throws SmsSendException {
        vonage.behave(new Behaviour.Status(102, "opted out"));
        SmsSender sender = sender(FakeVonage.API_SECRET, 2000);
        int before = vonage.to(NUMBER).size();
        for (int i = 0; i < 3 * VonageSmsSenderFactory.FAILURES_TO_OPEN; i++) {
            SmsSendException e = assertThrows(SmsSendException.class, () -> sender.send(NUMBER, "x #123456"));
            assertEquals(Reason.PROVIDER_DOWN, e.getReason());
            assertEquals(SmsSendException.Stage.MESSAGE_REFUSED, e.getStage());
        }
        assertEquals(before + 3 * VonageSmsSenderFactory.FAILURES_TO_OPEN, vonage.to(NUMBER).size(),
                "every send reached the gateway");
        vonage.reset();
        assertTrue(sender.send(NUMBER, "x #123456").messageId().startsWith("fake-"));
    }

    @Test
    void missingCredentialsRefuseToSend() {
        VonageSmsSenderFactory factory = new VonageSmsSenderFactory();
        factory.init(new MapScope(Map.of()));
        SmsSendException e = assertThrows(SmsSendException.class, () -> factory.create(null).send(NUMBER, "x"));
        assertEquals(Reason.CONFIGURATION, e.getReason());
        assertEquals(SmsSendException.Stage.NOT_CALLED, e.getStage(), "nothing sent: the budgets get it back");
    }
}
