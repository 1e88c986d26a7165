package io.twostep.keycloak.limits;

import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.SingleUseObjectProvider;
import org.keycloak.models.UserModel;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Counters in {@link SingleUseObjectProvider}: one entry per limit and clock hour, expiring with the hour, and one
 * per user for wrong codes, expiring {@code block-seconds} after the last one. Read-modify-write is not atomic
 * across nodes; concurrent requests may be counted once instead of twice, which bounds the error to the number of
 * simultaneous requests.
 */
final class DefaultSmsLimiter implements SmsLimiter {

    private static final String PREFIX = "two-step.sms.";
    private static final int HOUR = 3600;

    private final KeycloakSession session;
    private final SmsLimitSettings settings;

    DefaultSmsLimiter(KeycloakSession session, SmsLimitSettings settings) {
        this.session = session;
        this.settings = settings;
    }

    @Override
    public SendDecision trySend(RealmModel realm, UserModel user, String e164, String clientIp, boolean enrolment) {
        long now = Time.currentTime();
        long hour = now / HOUR;
        int retryAfter = (int) ((hour + 1) * HOUR - now);
        record Counter(Limit limit, String key, int max) {
        }
        List<Counter> counters = List.of(
                new Counter(Limit.REALM, PREFIX + "realm." + realm.getId() + "." + hour, settings.realmPerHour()),
                new Counter(Limit.USER, PREFIX + "user." + realm.getId() + "." + user.getId() + "." + hour,
                        settings.perUserPerHour()),
                new Counter(Limit.NUMBER, PREFIX + (enrolment ? "enrol-number." : "number.") + realm.getId() + "."
                        + digest(e164) + "." + hour,
                        settings.perNumberPerHour()),
                new Counter(Limit.IP, PREFIX + "ip." + realm.getId() + "." + digest(String.valueOf(clientIp)) + "." + hour,
                        settings.perIpPerHour()));
        for (Counter counter : counters) {
            if (count(counter.key()) >= counter.max()) {
                return new SendDecision(false, counter.limit(), retryAfter);
            }
        }
        for (Counter counter : counters) {
            store().put(counter.key(), retryAfter + 60L, Map.of("n", Integer.toString(count(counter.key()) + 1)));
        }
        return new SendDecision(true, null, 0);
    }

    @Override
    public FailureStatus failures(RealmModel realm, UserModel user) {
        Map<String, String> entry = store().get(failureKey(realm, user));
        int failures = entry == null ? 0 : parse(entry.get("n"));
        long last = entry == null ? 0 : parse(entry.get("last"));
        return status(failures, last);
    }

    @Override
    public FailureStatus recordFailure(RealmModel realm, UserModel user) {
        int failures = failures(realm, user).failures() + 1;
        long now = Time.currentTime();
        store().put(failureKey(realm, user), settings.blockSeconds(),
                Map.of("n", Integer.toString(failures), "last", Long.toString(now)));
        return status(failures, now);
    }

    @Override
    public void resetFailures(RealmModel realm, UserModel user) {
        store().remove(failureKey(realm, user));
    }

    @Override
    public SmsLimitSettings settings() {
        return settings;
    }

    private FailureStatus status(int failures, long last) {
        long now = Time.currentTime();
        if (failures > 0 && now - last >= settings.blockSeconds()) {
            // The count is kept block-seconds after the last wrong code; the store may not have expired it yet.
            return new FailureStatus(0, false, 0);
        }
        if (failures >= settings.failuresBeforeBlock()) {
            return new FailureStatus(failures, true, (int) Math.max(0, last + settings.blockSeconds() - now));
        }
        int wait = (int) Math.max(0, last + settings.delayAfter(failures) - now);
        return new FailureStatus(failures, false, failures >= settings.failuresBeforeDelay() ? wait : 0);
    }

    private int count(String key) {
        Map<String, String> entry = store().get(key);
        return entry == null ? 0 : parse(entry.get("n"));
    }

    private SingleUseObjectProvider store() {
        return session.singleUseObjects();
    }

    private static String failureKey(RealmModel realm, UserModel user) {
        return PREFIX + "failures." + realm.getId() + "." + user.getId();
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

    private static int parse(String value) {
        try {
            return value == null ? 0 : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
