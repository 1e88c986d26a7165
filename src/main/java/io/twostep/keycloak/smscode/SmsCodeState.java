package io.twostep.keycloak.smscode;

import io.twostep.keycloak.limits.SlotCounter;

import java.util.function.Predicate;

/**
 * The one-time code of one login (or one enrolment). The code itself is kept as notes of the authentication session
 * so that every cluster node sees it: only a keyed hash of the code, when it expires, and which send issued it. The
 * counters (SMS sent in this login and when, wrong entries of each code, the single use of a correct code) are
 * {@link SlotCounter}s, so that concurrent requests of one login can neither send more SMS nor try more codes than
 * allowed. Decisions take the current time in epoch seconds, so tests can move the clock.
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
        /** Sending is allowed; {@code slot} is the send's number in this login (1-based). */
        record Allowed(int slot) implements SendDecision {
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

    /** How long this login's counters are kept, in seconds: longer than any authentication session lives. */
    static final long COUNTER_LIFESPAN_SECONDS = 24 * 3600;
    /** The longest window an hourly budget can refuse for, in seconds: a note that claims more is not believed. */
    static final long LONGEST_LIMIT_WINDOW_SECONDS = 3600;

    private final Notes notes;
    private final SlotCounter.Store counters;
    private final String counterKey;
    private final String hashKey;
    private final String expiresKey;
    private final String codeKey;
    private final String limitedKey;

    /**
     * @param notes      note storage of the authentication session
     * @param counters   where the counters live (Keycloak's single-use object store in production)
     * @param counterKey unique per authentication session, tab and step: the counters' key prefix
     * @param prefix     distinguishes states that share one authentication session (login vs. enrolment)
     */
    public SmsCodeState(Notes notes, SlotCounter.Store counters, String counterKey, String prefix) {
        this.notes = notes;
        this.counters = counters;
        this.counterKey = counterKey;
        this.hashKey = prefix + ".hash";
        this.expiresKey = prefix + ".expires";
        this.codeKey = prefix + ".code";
        this.limitedKey = prefix + ".limited";
    }

    /**
     * An hourly budget that refused an SMS of this login, still in force.
     *
     * @param limit       the budget's name, as {@link #recordLimited} got it
     * @param secondsLeft seconds until the budget's window ends, 1–3600
     */
    public record LimitRefusal(String limit, int secondsLeft) {
    }

    /**
     * Records that an hourly budget refused an SMS of this login, so that pressing <em>Resend</em> again before the
     * budget's window ends is answered from this note: the refusal is logged and recorded as an event once per login,
     * destination and client network, not once per request.
     *
     * @param limit      the budget's name, one word
     * @param until      epoch seconds when the budget's window ends
     * @param refusedFor what was refused, as the caller can recognise it again without the note holding it: a keyed
     *                   hash of the destination and the client's network, one word
     */
    public void recordLimited(String limit, long until, String refusedFor) {
        notes.set(limitedKey, until + " " + limit + " " + refusedFor);
    }

    /**
     * @param now        epoch seconds
     * @param sameAsThen whether a {@code refusedFor} of {@link #recordLimited} stands for what is asked now
     * @return the refusal {@link #recordLimited} recorded for what is asked now, while its window lasts (at most
     *         {@value #LONGEST_LIMIT_WINDOW_SECONDS} s from {@code now}, so a clock set back does not stretch it);
     *         {@code null} when there is none, or its note is unreadable
     */
    public LimitRefusal earlierLimitRefusal(long now, Predicate<String> sameAsThen) {
        String note = notes.get(limitedKey);
        if (note == null) {
            return null;
        }
        String[] parts = note.split(" ", 3);
        if (parts.length < 3) {
            return null;
        }
        long until;
        try {
            until = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            return null;
        }
        if (until <= now || until - now > LONGEST_LIMIT_WINDOW_SECONDS || !sameAsThen.test(parts[2])) {
            return null;
        }
        return new LimitRefusal(parts[1], (int) (until - now));
    }

    /**
     * Takes one of this login's sends if the cooldown and the per-login cap allow it, atomically: of concurrent
     * requests, only as many as the cap allows get one, and only one per cooldown.
     *
     * @param now      epoch seconds
     * @param settings the step's settings
     * @return {@link SendDecision.Allowed} with the send's slot, or why not
     */
    public SendDecision claimSend(long now, SmsCodeSettings settings) {
        SlotCounter.Claim claim = sendCounter(settings).claim(now,
                (count, last) -> count == 0 ? 0 : last + settings.resendCooldownSeconds() - now);
        if (claim.claimed()) {
            return new SendDecision.Allowed(claim.slot());
        }
        return claim.full() ? new SendDecision.CapReached() : new SendDecision.Cooldown((int) claim.waitSeconds());
    }

    /**
     * Gives a claimed send back: a later check refused the SMS and nothing was sent.
     *
     * @param slot the slot from {@link #claimSend}
     */
    public void releaseSend(int slot, SmsCodeSettings settings) {
        sendCounter(settings).release(slot);
    }

    /**
     * Records that an SMS is about to be sent, before the gateway is called, so that a failing or slow gateway
     * still uses up the send and starts the cooldown. Voids the previous code (a resend invalidates it).
     *
     * @param slot the slot from {@link #claimSend}
     */
    public void recordSendAttempt(int slot, long now, SmsCodeSettings settings) {
        sendCounter(settings).stamp(slot, now);
        voidCode();
    }

    /** Records the keyed hash of a code that the gateway accepted, issued by send {@code slot}. */
    public void recordIssued(int slot, String codeHash, long now, SmsCodeSettings settings) {
        notes.set(hashKey, codeHash);
        notes.set(expiresKey, Long.toString(now + settings.codeTtlSeconds()));
        notes.set(codeKey, Integer.toString(slot));
    }

    /**
     * @param now epoch seconds
     * @return seconds until the next SMS may be sent, 0 when it may be sent now
     */
    public int cooldownRemaining(long now, SmsCodeSettings settings) {
        SlotCounter sends = sendCounter(settings);
        int count = sends.count();
        if (count == 0) {
            return 0;
        }
        return (int) Math.max(0, sends.stampOf(count, now) + settings.resendCooldownSeconds() - now);
    }

    /** @return SMS this login still may send */
    public int sendsLeft(SmsCodeSettings settings) {
        return Math.max(0, settings.sendsPerLogin() - sends(settings));
    }

    /** @return SMS sent (or attempted) in this login so far */
    public int sends(SmsCodeSettings settings) {
        return sendCounter(settings).count();
    }

    /** @return where the current code stands; unreadable notes read as a used-up code */
    public Status status(long now, SmsCodeSettings settings) {
        if (notes.get(hashKey) == null) {
            return Status.NONE;
        }
        int code = code();
        if (code < 1 || wrongCounter(code, settings).count() >= settings.attemptsPerCode()) {
            return Status.EXHAUSTED;
        }
        if (now >= longNote(expiresKey)) {
            return Status.EXPIRED;
        }
        return Status.ACTIVE;
    }

    /**
     * Checks an entered code. Each check takes one of the code's entries before comparing, so concurrent checks
     * cannot try more than the code allows; a correct code is single-use, also between concurrent requests. The
     * send counters stay: this login's sends remain spent.
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
        int code = code();
        String hash = notes.get(hashKey);
        SlotCounter.Claim entry = wrongCounter(code, settings).claim(now, SlotCounter.Gate.OPEN);
        if (!entry.claimed()) {
            return Verification.EXHAUSTED;
        }
        if (matchesStoredHash.test(hash)) {
            if (!counters.putIfAbsent(codeCounterKey(code) + ".used", COUNTER_LIFESPAN_SECONDS)) {
                return Verification.NO_CODE; // a concurrent request used it first
            }
            voidCode();
            return Verification.ACCEPTED;
        }
        return entry.slot() >= settings.attemptsPerCode() ? Verification.WRONG_AND_EXHAUSTED : Verification.WRONG;
    }

    /** Voids the current code but keeps the send counters, so cooldown and cap still hold. */
    public void voidCode() {
        notes.remove(hashKey);
        notes.remove(expiresKey);
        notes.remove(codeKey);
    }

    private SlotCounter sendCounter(SmsCodeSettings settings) {
        return new SlotCounter(counters, counterKey + ".sends", settings.sendsPerLogin(), COUNTER_LIFESPAN_SECONDS);
    }

    private SlotCounter wrongCounter(int code, SmsCodeSettings settings) {
        return new SlotCounter(counters, codeCounterKey(code) + ".wrong", settings.attemptsPerCode(),
                COUNTER_LIFESPAN_SECONDS);
    }

    private String codeCounterKey(int code) {
        return counterKey + ".code." + code;
    }

    /** @return the send that issued the current code, or 0 when the note is missing or unreadable */
    private int code() {
        long code = longNote(codeKey);
        return code > 0 && code <= Integer.MAX_VALUE ? (int) code : 0;
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
