package io.twostep.keycloak.smscode;

import io.twostep.keycloak.limits.MemorySlots;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SmsCodeStateTest {

    private final Map<String, String> store = new HashMap<>();
    private final MemorySlots slots = new MemorySlots();
    private final SmsCodeState state = new SmsCodeState(new MapNotes(store), slots, "c", "t");
    private final SmsCodeSettings settings = SmsCodeSettings.DEFAULTS;

    private void issue(String hash, long now) {
        SmsCodeState.SendDecision decision = state.claimSend(now, settings);
        int slot = ((SmsCodeState.SendDecision.Allowed) decision).slot();
        state.recordSendAttempt(slot, now, settings);
        state.recordIssued(slot, hash, now, settings);
    }

    @Test
    void aBudgetsRefusalIsRememberedForWhatItRefusedUntilItsWindowEnds() {
        Predicate<String> same = "K1"::equals;
        assertNull(state.earlierLimitRefusal(1000, same));
        state.recordLimited("USER", 1120, "K1");
        assertEquals(new SmsCodeState.LimitRefusal("USER", 120), state.earlierLimitRefusal(1000, same));
        assertEquals(new SmsCodeState.LimitRefusal("USER", 1), state.earlierLimitRefusal(1119, same));
        assertNull(state.earlierLimitRefusal(1120, same), "the window is over");
        assertNull(state.earlierLimitRefusal(1000, "K2"::equals), "something else asked for: the budgets answer");
        assertEquals(new SmsCodeState.LimitRefusal("USER", 3600), state.earlierLimitRefusal(1120 - 3600, same));
        assertNull(state.earlierLimitRefusal(1119 - 3600, same), "a clock set back does not stretch a window");
        store.replaceAll((k, v) -> k.endsWith(".limited") ? "soon USER K1" : v);
        assertNull(state.earlierLimitRefusal(1000, same), "an unreadable note: the budgets answer");
        store.replaceAll((k, v) -> k.endsWith(".limited") ? "1120 USER" : v);
        assertNull(state.earlierLimitRefusal(1000, same));
    }

    @Test
    void correctCodeIsAcceptedOnceOnly() {
        issue("H", 1000);
        assertEquals(SmsCodeState.Verification.ACCEPTED, state.verify("H"::equals, 1001, settings));
        assertEquals(SmsCodeState.Verification.NO_CODE, state.verify("H"::equals, 1002, settings));
    }

    @Test
    void codeExpiresAfterItsValidity() {
        issue("H", 1000);
        assertEquals(SmsCodeState.Status.ACTIVE, state.status(1299, settings));
        assertEquals(SmsCodeState.Verification.EXPIRED, state.verify("H"::equals, 1300, settings));
    }

    @Test
    void fifthWrongEntryKillsTheCode() {
        issue("H", 1000);
        for (int i = 1; i < 5; i++) {
            assertEquals(SmsCodeState.Verification.WRONG, state.verify(h -> false, 1000 + i, settings));
        }
        assertEquals(SmsCodeState.Verification.WRONG_AND_EXHAUSTED, state.verify(h -> false, 1005, settings));
        assertEquals(SmsCodeState.Verification.EXHAUSTED, state.verify("H"::equals, 1006, settings));
    }

    @Test
    void cooldownAndCapGovernSends() {
        assertEquals(0, state.cooldownRemaining(1000, settings));
        issue("A", 1000);
        assertEquals(20, state.cooldownRemaining(1010, settings));
        assertEquals(new SmsCodeState.SendDecision.Cooldown(20), state.claimSend(1010, settings));
        issue("B", 1030);
        issue("C", 1060);
        assertInstanceOf(SmsCodeState.SendDecision.CapReached.class, state.claimSend(5000, settings));
        assertEquals(0, state.sendsLeft(settings));
    }

    @Test
    void aNewSendVoidsTheOldCodeButKeepsTheCounters() {
        issue("A", 1000);
        int slot = ((SmsCodeState.SendDecision.Allowed) state.claimSend(1030, settings)).slot();
        state.recordSendAttempt(slot, 1030, settings); // gateway then fails: no new hash
        assertEquals(SmsCodeState.Status.NONE, state.status(1031, settings));
        assertEquals(2, state.sends(settings));
        state.voidCode();
        assertEquals(2, state.sends(settings));
    }

    @Test
    void tamperedNotesFailClosed() {
        issue("H", 1000);
        store.put("t.expires", "not a number");
        assertEquals(SmsCodeState.Status.EXPIRED, state.status(1001, settings));
        store.put("t.expires", "2000");
        for (String tampered : new String[]{"-7", "0", "x", "99999999999"}) {
            store.put("t.code", tampered);
            assertEquals(SmsCodeState.Status.EXHAUSTED, state.status(1001, settings), tampered);
            assertEquals(SmsCodeState.Verification.EXHAUSTED, state.verify("H"::equals, 1001, settings), tampered);
        }
    }

    @Test
    void aReleasedSendIsNotCounted() {
        int slot = ((SmsCodeState.SendDecision.Allowed) state.claimSend(1000, settings)).slot();
        state.releaseSend(slot, settings);
        assertEquals(0, state.sends(settings));
        assertInstanceOf(SmsCodeState.SendDecision.Allowed.class, state.claimSend(1000, settings));
    }

    /** 16 requests of one login post the same code at once: at most 5 are compared, and one right code wins once. */
    @Test
    void concurrentEntriesNeverPassTheCodesAttemptsAndARightCodeIsUsedOnce() throws Exception {
        issue("H", 1000);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger compared = new java.util.concurrent.atomic.AtomicInteger();
        java.util.List<java.util.concurrent.Future<SmsCodeState.Verification>> results = new java.util.ArrayList<>();
        for (int t = 0; t < 16; t++) {
            results.add(pool.submit(() -> {
                start.await();
                return state.verify(hash -> {
                    compared.incrementAndGet();
                    return "H".equals(hash);
                }, 1001, settings);
            }));
        }
        start.countDown();
        int accepted = 0;
        for (java.util.concurrent.Future<SmsCodeState.Verification> result : results) {
            accepted += result.get(30, java.util.concurrent.TimeUnit.SECONDS) == SmsCodeState.Verification.ACCEPTED
                    ? 1 : 0;
        }
        pool.shutdown();
        assertEquals(1, accepted);
        assertTrue(compared.get() <= settings.attemptsPerCode(), "compared " + compared.get());
    }

    @Test
    void sendsLeftCountDownAndTheFirstCodeHasAllItsEntries() {
        assertEquals(3, state.sendsLeft(settings));
        issue("H", 1000);
        assertEquals(2, state.sendsLeft(settings));
        for (int i = 1; i < settings.attemptsPerCode(); i++) {
            assertEquals(SmsCodeState.Verification.WRONG, state.verify(h -> false, 1001, settings), "entry " + i);
        }
        assertEquals(SmsCodeState.Verification.WRONG_AND_EXHAUSTED, state.verify(h -> false, 1001, settings));
    }

    @Test
    void aCodeWithNoEntriesLeftIsExhaustedWhenAsked() {
        issue("H", 1000);
        for (int i = 0; i < settings.attemptsPerCode(); i++) {
            state.verify(h -> false, 1001, settings);
        }
        assertEquals(SmsCodeState.Status.EXHAUSTED, state.status(1002, settings));
    }

    @Test
    void eachCodeHasItsOwnEntries() {
        issue("A", 1000);
        for (int i = 0; i < settings.attemptsPerCode() - 1; i++) {
            assertEquals(SmsCodeState.Verification.WRONG, state.verify(h -> false, 1001, settings));
        }
        issue("B", 1030);
        for (int i = 0; i < settings.attemptsPerCode() - 1; i++) {
            assertEquals(SmsCodeState.Verification.WRONG, state.verify(h -> false, 1031, settings),
                    "a new code starts afresh");
        }
        assertEquals(SmsCodeState.Verification.ACCEPTED, state.verify("B"::equals, 1031, settings));
    }

    @Test
    void anAcceptedCodeLeavesNoCodeBehind() {
        issue("H", 1000);
        assertEquals(SmsCodeState.Verification.ACCEPTED, state.verify("H"::equals, 1001, settings));
        assertEquals(SmsCodeState.Status.NONE, state.status(1002, settings));
        assertEquals(Map.of(), store, "hash, expiry and code number are all gone from the session");
    }

    @Test
    void voidingACodeRemovesEveryNoteOfIt() {
        issue("H", 1000);
        state.voidCode();
        assertEquals(Map.of(), store);
        assertEquals(SmsCodeState.Status.NONE, state.status(1001, settings));
    }

    @Test
    void aCodeUsedByAConcurrentRequestIsNoLongerThere() {
        issue("H", 1000);
        slots.putIfAbsent("c.code.1.used", 60); // another request of this login used the code a moment ago
        assertEquals(SmsCodeState.Verification.NO_CODE, state.verify("H"::equals, 1001, settings));
    }

    @Test
    void anEntryThatLosesTheRaceForTheLastTryIsRefused() {
        // A store in which every entry of the code is taken by other requests between the look and the claim.
        MemorySlots racing = new MemorySlots().takenElsewhere(key -> key.contains(".wrong."));
        SmsCodeState raced = new SmsCodeState(new MapNotes(), racing, "c", "t");
        int slot = ((SmsCodeState.SendDecision.Allowed) raced.claimSend(1000, settings)).slot();
        raced.recordSendAttempt(slot, 1000, settings);
        raced.recordIssued(slot, "H", 1000, settings);
        assertEquals(SmsCodeState.Verification.EXHAUSTED, raced.verify("H"::equals, 1001, settings));
    }

    @Test
    void theHighestReadableCodeNumberIsStillACode() {
        issue("H", 1000);
        store.put("t.code", Integer.toString(Integer.MAX_VALUE));
        assertEquals(SmsCodeState.Status.ACTIVE, state.status(1001, settings));
        assertEquals(SmsCodeState.Verification.WRONG, state.verify(h -> false, 1001, settings));
        store.put("t.code", Long.toString(Integer.MAX_VALUE + 1L));
        assertEquals(SmsCodeState.Status.EXHAUSTED, state.status(1001, settings));
    }
}
