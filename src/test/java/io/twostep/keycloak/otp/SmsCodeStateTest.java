package io.twostep.keycloak.otp;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SmsCodeStateTest {

    private final Map<String, String> store = new HashMap<>();
    private final SmsCodeState state = new SmsCodeState(new SmsCodeState.Notes() {
        public String get(String key) {
            return store.get(key);
        }

        public void set(String key, String value) {
            store.put(key, value);
        }

        public void remove(String key) {
            store.remove(key);
        }
    }, "t");
    private final SmsCodeSettings settings = SmsCodeSettings.DEFAULTS;

    private void issue(String hash, long now) {
        state.recordSendAttempt(now);
        state.recordIssued(hash, now, settings);
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
        assertInstanceOf(SmsCodeState.SendDecision.Allowed.class, state.nextSend(1000, settings));
        issue("A", 1000);
        SmsCodeState.SendDecision early = state.nextSend(1010, settings);
        assertEquals(new SmsCodeState.SendDecision.Cooldown(20), early);
        issue("B", 1030);
        issue("C", 1060);
        assertInstanceOf(SmsCodeState.SendDecision.CapReached.class, state.nextSend(5000, settings));
        assertEquals(0, state.sendsLeft(settings));
    }

    @Test
    void aNewSendVoidsTheOldCodeButKeepsTheCounters() {
        issue("A", 1000);
        state.recordSendAttempt(1030); // gateway then fails: no new hash
        assertEquals(SmsCodeState.Status.NONE, state.status(1031, settings));
        assertEquals(2, state.sends());
        state.voidCode();
        assertEquals(2, state.sends());
    }

    @Test
    void tamperedNotesFailClosed() {
        issue("H", 1000);
        store.put("t.expires", "not a number");
        assertEquals(SmsCodeState.Status.EXPIRED, state.status(1001, settings));
        store.put("t.expires", "2000");
        store.put("t.wrong", "-7");
        assertTrue(state.attemptsLeft(settings) >= 5);
        assertFalse(state.status(1001, settings) == SmsCodeState.Status.EXHAUSTED);
    }
}
