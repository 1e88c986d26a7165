package io.twostep.keycloak.smscode;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twostep.keycloak.limits.MemorySlots;
import io.twostep.keycloak.limits.SmsLimitSettings;
import io.twostep.keycloak.limits.SmsLimiter;
import io.twostep.keycloak.phone.PhonePolicy;
import io.twostep.keycloak.sms.SentSms;
import io.twostep.keycloak.sms.SmsSendException;
import io.twostep.keycloak.sms.SmsSender;
import io.twostep.keycloak.support.Fakes;
import org.junit.jupiter.api.Test;
import org.keycloak.common.util.Time;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The order of the checks around one step's code, with the gateway, the budgets and the events replaced by small
 * fakes: what goes out, what is counted and given back, what is recorded.
 */
class SmsCodeStepTest {

    private static final String NUMBER = "+4915112345678";
    private static final String MASKED = "+49•••••••••78";

    private final Map<String, String> notes = new HashMap<>();
    private final SmsCodeState state = new SmsCodeState(new MapNotes(notes), new MemorySlots(), "c", "p");
    private final FakeLimiter limiter = new FakeLimiter();
    private final List<String> events = new ArrayList<>();
    private final List<String> texts = new ArrayList<>();
    private final CodeHasher hasher = new CodeHasher(
            new SecretKeySpec("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
    private SmsSender sender = (to, text) -> {
        texts.add(to + " " + text);
        return new SentSms("msg-" + texts.size());
    };
    private PhonePolicy policy = new PhonePolicy(null, Set.of());
    private int policyReads;

    private SmsCodeStep step() {
        return step(state, () -> sender);
    }

    private SmsCodeStep step(SmsCodeState codeState, Supplier<SmsSender> gateway) {
        return step(codeState, gateway, "10.0.0.1");
    }

    private SmsCodeStep step(SmsCodeState codeState, Supplier<SmsSender> gateway, String clientAddress) {
        SmsCodeStep.Events recorder = new SmsCodeStep.Events() {
            public void sent(String masked, String messageId) {
                events.add("sent " + masked + " " + messageId);
            }

            public void sendFailed(String masked, String reason) {
                events.add("failed " + masked + " " + reason);
            }

            public void limitHit(SmsLimiter.Limit limit, String masked) {
                events.add("limit " + limit + " " + masked);
            }

            public void factorBlocked() {
                events.add("blocked");
            }
        };
        return new SmsCodeStep(Fakes.named(RealmModel.class, "r1", "demo"),
                Fakes.named(UserModel.class, "u1", "alice"), SmsCodeSettings.DEFAULTS, codeState, "session/tab/p",
                false, new SmsCodeStep.Services(limiter, () -> {
                    policyReads++;
                    return policy;
                }, gateway, () -> hasher, code -> "code " + code,
                        recorder, clientAddress));
    }

    /** @return the code of the last SMS */
    private String lastCode() {
        String last = texts.get(texts.size() - 1);
        return last.substring(last.length() - 6);
    }

    @Test
    void theFirstSendTextsACodeThatIsAcceptedOnce() {
        SmsCodeStep step = step();
        assertEquals(new SmsCodeStep.SendOutcome.Sent(MASKED), step.send(NUMBER));
        assertEquals(List.of(NUMBER + " code " + lastCode()), texts);
        assertEquals(List.of("sent " + MASKED + " msg-1"), events);
        assertEquals(SmsCodeState.Status.ACTIVE, step.status());
        assertEquals(SmsCodeState.Verification.ACCEPTED, step.verify(lastCode(), NUMBER));
        assertEquals(1, limiter.rights, "a right code clears the account's count");
        assertEquals(SmsCodeState.Verification.NO_CODE, step.verify(lastCode(), NUMBER), "used up");
    }

    @Test
    void thePhonePolicyIsReadForEachSendAndNotToCheckACode() {
        SmsCodeStep step = step();
        step.send(NUMBER);
        assertEquals(1, policyReads);
        step.verify("000000", NUMBER);
        step.verify(lastCode(), NUMBER);
        assertEquals(1, policyReads, "checking codes does not read the realm's phone policy");
    }

    @Test
    void aCodeIsBoundToTheNumberItWasSentTo() {
        SmsCodeStep step = step();
        step.send(NUMBER);
        assertEquals(SmsCodeState.Verification.WRONG, step.verify(lastCode(), "+4915187654321"));
        assertEquals(1, limiter.wrongs);
    }

    @Test
    void aResendWithinTheCooldownSendsNothingAndRecordsNothing() {
        SmsCodeStep step = step();
        step.send(NUMBER);
        SmsCodeStep.SendOutcome again = step.send(NUMBER);
        assertEquals(SmsCodeStep.SendOutcome.Cooldown.class, again.getClass());
        assertEquals(1, texts.size());
        assertEquals(1, events.size());
        assertEquals(1, limiter.budgetClaims, "the budgets were not asked for a send that waits");
    }

    @Test
    void aNumberThePolicyNoLongerAllowsGetsNoSmsAndTheLoginKeepsItsSend() {
        policy = PhonePolicy.of(null, "FR");
        SmsCodeStep step = step();
        assertEquals(new SmsCodeStep.SendOutcome.NumberNotAllowed(), step.send(NUMBER));
        assertEquals(List.of(), texts);
        assertEquals(List.of("failed " + MASKED + " number_not_allowed"), events);
        assertEquals(0, step.state().sends(step.settings()), "the claimed send is given back");
        assertEquals(0, limiter.budgetClaims, "nothing counted against the budgets");
    }

    @Test
    void aBlockedFactorGetsNoSms() {
        limiter.standing = new SmsLimiter.FailureStatus(20, true, 3000);
        SmsCodeStep step = step();
        assertEquals(new SmsCodeStep.SendOutcome.Blocked(3000), step.send(NUMBER));
        assertEquals(List.of(), texts);
        assertEquals(0, step.state().sends(step.settings()));
    }

    @Test
    void aSpentBudgetSaysWhichAndForHowLongAndIsRecorded() {
        limiter.budgets = new SmsLimiter.SendDecision(false, SmsLimiter.Limit.REALM, 120);
        SmsCodeStep step = step();
        assertEquals(new SmsCodeStep.SendOutcome.Limited(SmsLimiter.Limit.REALM, 120), step.send(NUMBER));
        assertEquals(List.of("limit REALM " + MASKED), events);
        assertEquals(List.of(), texts);
        assertEquals(0, step.state().sends(step.settings()));
    }

    @Test
    void pressingResendAgainAfterABudgetsRefusalIsAnsweredWithoutAskingOrRecordingAgain() {
        limiter.budgets = new SmsLimiter.SendDecision(false, SmsLimiter.Limit.USER, 120);
        SmsCodeStep step = step();
        step.send(NUMBER);
        for (int i = 0; i < 5; i++) {
            SmsCodeStep.SendOutcome again = step.send(NUMBER);
            assertInstanceOf(SmsCodeStep.SendOutcome.Limited.class, again);
            assertEquals(SmsLimiter.Limit.USER, ((SmsCodeStep.SendOutcome.Limited) again).limit());
            assertTrue(((SmsCodeStep.SendOutcome.Limited) again).retryAfter() <= 120);
        }
        assertEquals(1, limiter.budgetClaims, "the budgets were asked once");
        assertEquals(List.of("limit USER " + MASKED), events);
        assertEquals(0, step.state().sends(step.settings()), "the login keeps its sends");
        assertTrue(notes.values().stream().noneMatch(v -> v.contains("4915112345678") || v.contains("10.0.0.1")),
                "the note keeps neither the number nor the address");

        policy = PhonePolicy.of(null, "FR");
        assertInstanceOf(SmsCodeStep.SendOutcome.NumberNotAllowed.class, step.send(NUMBER),
                "the phone policy still answers first");
        policy = new PhonePolicy(null, Set.of());

        limiter.budgets = new SmsLimiter.SendDecision(true, null, 0, () -> limiter.givenBack++);
        assertInstanceOf(SmsCodeStep.SendOutcome.Sent.class, step.send("+4915112345679"),
                "another number asks the budgets again");
        assertEquals(2, limiter.budgetClaims);
    }

    @Test
    void anotherAddressOfTheSameIpv6NetworkDoesNotRenewABudgetsRefusal() {
        limiter.budgets = new SmsLimiter.SendDecision(false, SmsLimiter.Limit.IP, 120);
        step(state, () -> sender, "2001:db8:1:2::1").send(NUMBER);
        assertInstanceOf(SmsCodeStep.SendOutcome.Limited.class,
                step(state, () -> sender, "2001:db8:1:2:ffff::99").send(NUMBER));
        assertEquals(1, limiter.budgetClaims, "the same /64: answered from the note");
        step(state, () -> sender, "2001:db8:1:3::1").send(NUMBER);
        assertEquals(2, limiter.budgetClaims, "another network asks the budgets");
        assertEquals(2, events.size());
    }

    @Test
    void afterABudgetsWindowTheBudgetsAreAskedAgain() {
        limiter.budgets = new SmsLimiter.SendDecision(false, SmsLimiter.Limit.IP, 120);
        SmsCodeStep step = step();
        step.send(NUMBER);
        limiter.budgets = new SmsLimiter.SendDecision(true, null, 0, () -> limiter.givenBack++);
        Time.setOffset(120);
        try {
            assertInstanceOf(SmsCodeStep.SendOutcome.Sent.class, step.send(NUMBER));
        } finally {
            Time.setOffset(0);
        }
        assertEquals(2, limiter.budgetClaims);
    }

    @Test
    void aGatewayRefusalUsesUpTheSendAndLeavesNoCode() {
        sender = (to, text) -> {
            throw new SmsSendException(SmsSendException.Reason.TEMPORARY, "status 1");
        };
        SmsCodeStep step = step();
        assertEquals(new SmsCodeStep.SendOutcome.Failed(SmsSendException.Reason.TEMPORARY), step.send(NUMBER));
        assertEquals(List.of("failed " + MASKED + " temporary"), events);
        assertEquals(1, step.state().sends(step.settings()), "a failing gateway still uses up the send");
        assertEquals(SmsCodeState.Status.NONE, step.status());
        assertEquals(SmsCodeStep.SendOutcome.Cooldown.class, step.send(NUMBER).getClass(), "and starts the cooldown");
    }

    /**
     * A send the gateway guard refused at once (breaker open, slots busy) never reached the gateway: the hourly
     * budgets get it back, while the login's own send stays used (cooldown and per-login cap still hold).
     */
    @Test
    void aSendThatNeverReachedTheGatewayIsGivenBackToTheBudgets() {
        sender = (to, text) -> {
            throw new SmsSendException(SmsSendException.Reason.PROVIDER_DOWN, "circuit open", false,
                    SmsSendException.Stage.NOT_CALLED);
        };
        SmsCodeStep step = step();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        Metrics.addRegistry(metrics);
        try {
            assertEquals(new SmsCodeStep.SendOutcome.Failed(SmsSendException.Reason.PROVIDER_DOWN), step.send(NUMBER));
            var gateway = metrics.find("twostep.sms.gateway").timer();
            assertEquals(0, gateway == null ? 0 : gateway.count(),
                    "no gateway answer time for a send that never reached it");
            assertEquals(1, metrics.get("twostep.sms.send.failed").tag("reason", "provider_down").counter().count());
        } finally {
            Metrics.removeRegistry(metrics);
            metrics.close();
        }
        assertEquals(1, limiter.givenBack);
        assertEquals(List.of("failed " + MASKED + " provider_down"), events, "still recorded as a failed send");
        assertEquals(1, step.state().sends(step.settings()), "the login's send stays used");
        assertEquals(SmsCodeStep.SendOutcome.Cooldown.class, step.send(NUMBER).getClass());
    }

    /** Sends that reached the gateway keep their place in the budgets, whatever the gateway said. */
    @Test
    void aSendThatReachedTheGatewayStaysCounted() {
        for (SmsSendException.Stage stage : List.of(SmsSendException.Stage.CALL_FAILED,
                SmsSendException.Stage.MESSAGE_REFUSED)) {
            sender = (to, text) -> {
                throw new SmsSendException(SmsSendException.Reason.PROVIDER_DOWN, "timeout", false, stage);
            };
            step(new SmsCodeState(new MapNotes(), new MemorySlots(), "c", "p"), () -> sender).send(NUMBER);
        }
        step().send(NUMBER); // accepted
        assertEquals(3, limiter.budgetClaims);
        assertEquals(0, limiter.givenBack);
    }

    @Test
    void aSenderCrashIsAGatewayFailureAndNoSenderIsAConfigurationFailure() {
        sender = (to, text) -> {
            throw new IllegalStateException("bug");
        };
        assertEquals(new SmsCodeStep.SendOutcome.Failed(SmsSendException.Reason.PROVIDER_DOWN), step().send(NUMBER));
        SmsCodeStep withoutSender = step(new SmsCodeState(new MapNotes(), new MemorySlots(), "c2", "p"), () -> null);
        assertEquals(new SmsCodeStep.SendOutcome.Failed(SmsSendException.Reason.CONFIGURATION),
                withoutSender.send(NUMBER));
    }

    /**
     * A sender that fails with an error of the deployment rather than an exception, as one whose library is missing
     * from {@code providers/} does ({@code NoClassDefFoundError}), makes a failed send that needs an admin (the
     * page's message, an event), not a 500; it may have come after the SMS went out, so the SMS stays counted, and no
     * code is left to enter. Errors that are not the deployment's (out of memory, a failed assertion) go on up.
     */
    @Test
    void aSenderThatCannotLinkIsAConfigurationFailureAndOtherErrorsGoOnUp() {
        sender = (to, text) -> {
            throw new NoClassDefFoundError("com/vonage/client/Missing");
        };
        SmsCodeStep step = step();
        assertEquals(new SmsCodeStep.SendOutcome.Failed(SmsSendException.Reason.CONFIGURATION), step.send(NUMBER));
        assertEquals(List.of("failed " + MASKED + " configuration"), events);
        assertEquals(0, limiter.givenBack, "the SMS stays counted");
        assertEquals(SmsCodeState.Status.NONE, step.status(), "no code to enter");
        for (Error error : List.of(new OutOfMemoryError("Java heap space"), new AssertionError("bug"))) {
            sender = (to, text) -> {
                throw error;
            };
            SmsCodeStep another = step(new SmsCodeState(new MapNotes(), new MemorySlots(), "c2", "p"), () -> sender);
            assertThrows(error.getClass(), () -> another.send(NUMBER));
        }
    }

    /**
     * When Keycloak cannot make the sender at all (its factory fails, a class cannot be linked), nothing reached the
     * gateway: a configuration failure with the page's message, and the SMS is given back to the hourly budgets.
     */
    @Test
    void aSenderThatCannotBeMadeIsAConfigurationFailureThatSentNothing() {
        List<RuntimeException> exceptions = List.of(new IllegalStateException("factory"));
        List<Error> errors = List.of(new NoClassDefFoundError("com/vonage/client/VonageClient"),
                new ExceptionInInitializerError(new IllegalStateException("static")));
        List<Supplier<SmsSender>> lookups = new ArrayList<>();
        exceptions.forEach(e -> lookups.add(() -> {
            throw e;
        }));
        errors.forEach(e -> lookups.add(() -> {
            throw e;
        }));
        for (Supplier<SmsSender> lookup : lookups) {
            SmsCodeStep step = step(new SmsCodeState(new MapNotes(), new MemorySlots(), "c3", "p"), lookup);
            assertEquals(new SmsCodeStep.SendOutcome.Failed(SmsSendException.Reason.CONFIGURATION), step.send(NUMBER));
        }
        assertEquals(lookups.size(), limiter.givenBack, "nothing was sent: each SMS given back to the budgets");
        assertTrue(texts.isEmpty());
    }

    @Test
    void normaliseTakesSpacesDashesAndAnyScriptsDigitsAndNothingElse() {
        SmsCodeStep step = step();
        assertEquals("123456", step.normalise("123 456"));
        assertEquals("123456", step.normalise("123-456"));
        assertEquals("123456", step.normalise("١٢٣٤٥٦"));
        assertNull(step.normalise("12345"));
        assertNull(step.normalise("1234567"));
        assertNull(step.normalise("12a456"));
        assertNull(step.normalise(null));
        assertNull(step.normalise("1".repeat(65)));
    }

    @Test
    void withoutACodeNothingIsComparedOrCounted() {
        SmsCodeStep step = step();
        assertEquals(SmsCodeState.Verification.NO_CODE, step.verify("123456", NUMBER));
        assertEquals(0, limiter.attempts);
    }

    @Test
    void aBlockedAccountHasNoCodeCompared() {
        SmsCodeStep step = step();
        step.send(NUMBER);
        limiter.standing = new SmsLimiter.FailureStatus(20, true, 3000);
        assertEquals(SmsCodeState.Verification.BLOCKED, step.verify(lastCode(), NUMBER));
        assertEquals(0, limiter.attempts);
        assertEquals(limiter.standing, step.failures());
    }

    @Test
    void aPauseOfTheAccountDelaysTheCheck() {
        SmsCodeStep step = step();
        step.send(NUMBER);
        limiter.attemptRefusal = new SmsLimiter.FailureStatus(6, false, 10);
        assertEquals(SmsCodeState.Verification.DELAYED, step.verify(lastCode(), NUMBER));
        assertEquals(10, step.failures().waitSeconds());
        assertEquals(SmsCodeState.Status.ACTIVE, step.status(), "the code is still there");
    }

    @Test
    void theWrongCodeThatBlocksTheFactorIsRecordedOnce() {
        SmsCodeStep step = step();
        step.send(NUMBER);
        int block = SmsLimitSettings.DEFAULTS.failuresBeforeBlock();
        limiter.afterWrong = new SmsLimiter.FailureStatus(block, true, 3600);
        step.verify("000000".equals(lastCode()) ? "111111" : "000000", NUMBER);
        limiter.afterWrong = new SmsLimiter.FailureStatus(block + 1, true, 3600);
        step.verify("000000".equals(lastCode()) ? "111111" : "000000", NUMBER);
        assertEquals(1, events.stream().filter("blocked"::equals).count(), String.valueOf(events));
        assertEquals(block + 1, step.failures().failures());
    }

    /** Budgets and the account's count as a test sets them. */
    private static final class FakeLimiter implements SmsLimiter {
        int givenBack;
        SendDecision budgets = new SendDecision(true, null, 0, () -> givenBack++);
        FailureStatus standing = new FailureStatus(0, false, 0);
        FailureStatus attemptRefusal;
        FailureStatus afterWrong = new FailureStatus(1, false, 0);
        int budgetClaims;
        int attempts;
        int wrongs;
        int rights;

        public SendDecision trySend(RealmModel realm, UserModel user, String e164, String clientIp, boolean enrolment) {
            budgetClaims++;
            return budgets;
        }

        public FailureStatus failures(RealmModel realm, UserModel user) {
            return standing;
        }

        public Attempt beginAttempt(RealmModel realm, UserModel user) {
            attempts++;
            return new Attempt() {
                public FailureStatus refusal() {
                    return attemptRefusal;
                }

                public FailureStatus wrong() {
                    wrongs++;
                    return afterWrong;
                }

                public void right() {
                    rights++;
                }
            };
        }

        public void resetFailures(RealmModel realm, UserModel user) {
        }

        public SmsLimitSettings settings() {
            return SmsLimitSettings.DEFAULTS;
        }
    }
}
