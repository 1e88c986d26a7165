package io.twostep.keycloak.limits;

import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Counters made of {@link SlotCounter}s in Keycloak's {@code SingleUseObjectProvider}: each SMS claims one slot in
 * each hourly budget (per realm, user, number, client address; slots expire with the clock hour), and each try of a
 * code claims one slot of the user's wrong-code count before the code is compared. A claim is an atomic
 * put-if-absent, so every budget and the wrong-code count are exact under concurrent requests, on one node and
 * across a cluster (the entry's owner node decides each put-if-absent).
 */
final class DefaultSmsLimiter implements SmsLimiter {

    /**
     * Most consecutive wrong codes an account can collect before only a correct code's owner (through an admin)
     * can go on: NIST SP 800-63B §3.2.2 allows no more than 100.
     */
    static final int MAX_CONSECUTIVE_FAILURES = 100;
    /** How long a wrong-code count is kept without a further try: one year, in seconds. */
    static final long FAILURES_KEPT_SECONDS = 365L * 24 * 3600;

    private static final String PREFIX = "two-step.sms.";
    private static final int HOUR = 3600;

    private final SlotCounter.Store store;
    private final SmsLimitSettings settings;

    DefaultSmsLimiter(KeycloakSession session, SmsLimitSettings settings) {
        this(new SingleUseSlots(session), settings);
    }

    DefaultSmsLimiter(SlotCounter.Store store, SmsLimitSettings settings) {
        this.store = store;
        this.settings = settings;
    }

    @Override
    public SendDecision trySend(RealmModel realm, UserModel user, String e164, String clientIp, boolean enrolment) {
        return trySend(realm.getId(), user.getId(), e164, clientIp, enrolment, Time.currentTime());
    }

    SendDecision trySend(String realmId, String userId, String e164, String clientIp, boolean enrolment, long now) {
        long hour = now / HOUR;
        int retryAfter = (int) ((hour + 1) * HOUR - now);
        long lifespan = retryAfter + 60L;
        record Budget(Limit limit, SlotCounter counter) {
        }
        List<Budget> budgets = List.of(
                new Budget(Limit.USER, new SlotCounter(store, PREFIX + "user." + realmId + "." + userId + "." + hour,
                        settings.perUserPerHour(), lifespan)),
                new Budget(Limit.NUMBER, new SlotCounter(store, PREFIX + (enrolment ? "enrol-number." : "number.")
                        + realmId + "." + digest(e164) + "." + hour, settings.perNumberPerHour(), lifespan)),
                new Budget(Limit.IP, new SlotCounter(store, PREFIX + "ip." + realmId + "."
                        + digest(ClientNetwork.of(clientIp)) + "." + hour, settings.perIpPerHour(), lifespan)),
                new Budget(Limit.REALM, new SlotCounter(store, PREFIX + "realm." + realmId + "." + hour,
                        settings.realmPerHour(), lifespan)));
        List<Runnable> taken = new ArrayList<>();
        for (Budget budget : budgets) {
            SlotCounter.Claim claim = budget.counter().claim(now, SlotCounter.Gate.OPEN);
            if (!claim.claimed()) {
                // This SMS will not go out: give back what it took from the budgets before.
                taken.forEach(Runnable::run);
                return new SendDecision(false, budget.limit(), retryAfter);
            }
            taken.add(() -> budget.counter().release(claim.slot()));
        }
        return new SendDecision(true, null, 0, () -> taken.forEach(Runnable::run));
    }

    @Override
    public FailureStatus failures(RealmModel realm, UserModel user) {
        return failures(realm.getId(), user.getId(), Time.currentTime());
    }

    FailureStatus failures(String realmId, String userId, long now) {
        SlotCounter counter = failureCounter(realmId, userId);
        int count = counter.count();
        return status(count, waitAfter(count, counter.stampOf(count, now), now));
    }

    @Override
    public Attempt beginAttempt(RealmModel realm, UserModel user) {
        return beginAttempt(realm.getId(), user.getId(), Time.currentTime());
    }

    Attempt beginAttempt(String realmId, String userId, long now) {
        SlotCounter counter = failureCounter(realmId, userId);
        SlotCounter.Claim claim = counter.claim(now, (count, last) -> waitAfter(count, last, now));
        if (!claim.claimed()) {
            return new RefusedAttempt(status(claim.count(), claim.full() ? Long.MAX_VALUE : claim.waitSeconds()));
        }
        return new Attempt() {
            @Override
            public FailureStatus refusal() {
                return null;
            }

            @Override
            public FailureStatus wrong() {
                // Stamped only now: a slot without a stamp counts as taken just now, so a pause starts at once.
                counter.stamp(claim.slot(), now);
                return status(claim.count(), waitAfter(claim.count(), now, now));
            }

            @Override
            public void right() {
                counter.clearCounted(); // every successful code: no sweep up to the maximum on this path
            }
        };
    }

    /** A try the count did not allow: nothing was claimed, so nothing is recorded or cleared afterwards. */
    private record RefusedAttempt(FailureStatus refusal) implements Attempt {
        @Override
        public FailureStatus wrong() {
            throw new IllegalStateException("the try was refused; no code may be compared");
        }

        @Override
        public void right() {
            throw new IllegalStateException("the try was refused; no code may be compared");
        }
    }

    @Override
    public void resetFailures(RealmModel realm, UserModel user) {
        failureCounter(realm.getId(), user.getId()).clear();
    }

    @Override
    public SmsLimitSettings settings() {
        return settings;
    }

    /**
     * Seconds before the next try, from the count and the time of the last wrong code: the block after
     * {@code failures-before-block} wrong codes lasts {@code block-seconds} after each further wrong code; before
     * it, the progressive delay applies.
     */
    private long waitAfter(int failures, long last, long now) {
        if (failures >= MAX_CONSECUTIVE_FAILURES) {
            return Long.MAX_VALUE;
        }
        long delay = failures >= settings.failuresBeforeBlock() ? settings.blockSeconds() : settings.delayAfter(failures);
        return Math.max(0, last + delay - now);
    }

    private FailureStatus status(int failures, long wait) {
        boolean blocked = failures >= settings.failuresBeforeBlock() && wait > 0;
        return new FailureStatus(failures, blocked, (int) Math.min(Integer.MAX_VALUE, Math.max(0, wait)));
    }

    private SlotCounter failureCounter(String realmId, String userId) {
        return new SlotCounter(store, failureKey(realmId, userId), MAX_CONSECUTIVE_FAILURES, FAILURES_KEPT_SECONDS);
    }

    private static String failureKey(String realmId, String userId) {
        return PREFIX + "failures." + realmId + "." + userId;
    }

    /** Cache keys carry no phone number or address in clear. */
    private static String digest(String value) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
