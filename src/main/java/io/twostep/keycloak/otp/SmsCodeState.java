package io.twostep.keycloak.otp;

import java.util.function.Predicate;

/**
 * The one-time code of one login (or one enrolment), kept as notes of the authentication session so that every
 * cluster node sees it. Holds only a keyed hash of the code, when it expires, how many wrong entries it took,
 * and how many SMS this login sent and when the last one went out. Decisions take the current time in epoch
 * seconds, so tests can move the clock.
 */
public final class SmsCodeState {

    /** Where notes are read and written (the authentication session's auth notes in production). */
    public interface Notes {
        String get(String key);

        void set(String key, String value);

        void remove(String key);
    }

    /** Whether another SMS may be sent now. */
    public sealed interface SendDecision {
        /** Sending is allowed. */
        record Allowed() implements SendDecision {
        }

        /** The previous SMS is too recent; wait {@code seconds}. */
        record Cooldown(int seconds) implements SendDecision {
        }

        /** This login has sent all the SMS it may. */
        record CapReached() implements SendDecision {
        }
    }

    /** Where the current code stands. */
    public enum Status {
        /** No code has been issued, or the last one was used or voided. */
        NONE,
        /** A code is waiting to be entered. */
        ACTIVE,
        /** The code's validity has run out. */
        EXPIRED,
        /** The code took its allowed number of wrong entries and is void. */
        EXHAUSTED
    }

    /** What came of checking an entered code. */
    public enum Verification {
        ACCEPTED, WRONG, WRONG_AND_EXHAUSTED, EXPIRED, EXHAUSTED, NO_CODE,
        /** Not checked: the account's wrong-code count asks for a pause first. */
        DELAYED,
        /** Not checked: the SMS factor is blocked for the account. */
        BLOCKED
    }

    private final Notes notes;
    private final String hashKey;
    private final String expiresKey;
    private final String wrongKey;
    private final String sendsKey;
    private final String lastSentKey;

    /**
     * @param notes  note storage
     * @param prefix distinguishes states that share one authentication session (login vs. enrolment)
     */
    public SmsCodeState(Notes notes, String prefix) {
        this.notes = notes;
        this.hashKey = prefix + ".hash";
        this.expiresKey = prefix + ".expires";
        this.wrongKey = prefix + ".wrong";
        this.sendsKey = prefix + ".sends";
        this.lastSentKey = prefix + ".last-sent";
    }

    /**
     * @param now      epoch seconds
     * @param settings the step's settings
     * @return whether an SMS may be sent now (SECURITY.md S06)
     */
    public SendDecision nextSend(long now, SmsCodeSettings settings) {
        if (sends() >= settings.sendsPerLogin()) {
            return new SendDecision.CapReached();
        }
        int wait = cooldownRemaining(now, settings);
        return wait > 0 ? new SendDecision.Cooldown(wait) : new SendDecision.Allowed();
    }

    /**
     * @return seconds until the next SMS may be sent, 0 when it may be sent now
     */
    public int cooldownRemaining(long now, SmsCodeSettings settings) {
        long last = longNote(lastSentKey);
        if (last <= 0) {
            return 0;
        }
        return (int) Math.max(0, last + settings.resendCooldownSeconds() - now);
    }

    /** @return SMS this login still may send */
    public int sendsLeft(SmsCodeSettings settings) {
        return Math.max(0, settings.sendsPerLogin() - sends());
    }

    /** @return SMS sent (or attempted) in this login so far */
    public int sends() {
        return (int) longNote(sendsKey);
    }

    /**
     * Records that an SMS is about to be sent, before the gateway is called, so that a failing or slow gateway
     * still uses up the budget. Voids the previous code (S08).
     */
    public void recordSendAttempt(long now) {
        notes.set(sendsKey, Integer.toString(sends() + 1));
        notes.set(lastSentKey, Long.toString(now));
        voidCode();
    }

    /** Records the keyed hash of a code that the gateway accepted. */
    public void recordIssued(String codeHash, long now, SmsCodeSettings settings) {
        notes.set(hashKey, codeHash);
        notes.set(expiresKey, Long.toString(now + settings.codeTtlSeconds()));
        notes.set(wrongKey, "0");
    }

    /** @return where the current code stands */
    public Status status(long now, SmsCodeSettings settings) {
        if (notes.get(hashKey) == null) {
            return Status.NONE;
        }
        if (longNote(wrongKey) >= settings.attemptsPerCode()) {
            return Status.EXHAUSTED;
        }
        if (now >= longNote(expiresKey)) {
            return Status.EXPIRED;
        }
        return Status.ACTIVE;
    }

    /** @return seconds the current code stays valid, 0 when there is none or it expired */
    public int secondsLeft(long now) {
        return notes.get(hashKey) == null ? 0 : (int) Math.max(0, longNote(expiresKey) - now);
    }

    /** @return wrong entries the current code still takes before it is void */
    public int attemptsLeft(SmsCodeSettings settings) {
        return (int) Math.max(0, settings.attemptsPerCode() - longNote(wrongKey));
    }

    /**
     * Checks an entered code. A correct code is single-use: the state is cleared (S03).
     *
     * @param matchesStoredHash tells whether the stored hash belongs to the entered code
     */
    public Verification verify(Predicate<String> matchesStoredHash, long now, SmsCodeSettings settings) {
        switch (status(now, settings)) {
            case NONE:
                return Verification.NO_CODE;
            case EXPIRED:
                return Verification.EXPIRED;
            case EXHAUSTED:
                return Verification.EXHAUSTED;
            default:
                break;
        }
        if (matchesStoredHash.test(notes.get(hashKey))) {
            clear();
            return Verification.ACCEPTED;
        }
        long wrong = longNote(wrongKey) + 1;
        notes.set(wrongKey, Long.toString(wrong));
        return wrong >= settings.attemptsPerCode() ? Verification.WRONG_AND_EXHAUSTED : Verification.WRONG;
    }

    /** Voids the current code but keeps the send counters, so cooldown and cap still hold. */
    public void voidCode() {
        notes.remove(hashKey);
        notes.remove(expiresKey);
        notes.remove(wrongKey);
    }

    /** Forgets the code and the send counters. */
    public void clear() {
        voidCode();
        notes.remove(sendsKey);
        notes.remove(lastSentKey);
    }

    private long longNote(String key) {
        String value = notes.get(key);
        if (value == null) {
            return 0;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
