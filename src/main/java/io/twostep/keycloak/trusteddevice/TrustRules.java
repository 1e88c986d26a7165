package io.twostep.keycloak.trusteddevice;

import java.time.Duration;
import java.util.Locale;

/**
 * When a remembered device may skip the second step: pure decisions, no Keycloak state. A remembered device is a
 * convenience, not a second factor (NIST SP 800-63B does not count a remembered browser as an authenticator), so
 * every doubt runs the second step.
 */
public final class TrustRules {

    /** How far another cluster node's clock may run ahead before a record counts as forged. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    /**
     * The outcome of a check.
     * <ul>
     *   <li>{@link #skip()}: the second step may be skipped;</li>
     *   <li>{@link #endsTrust()}: the record is void for good and is removed with its cookie;</li>
     *   <li>{@link #refusal()}: the browser offered trust that was not accepted, which is worth an event (as
     *       opposed to a request that simply asks for both factors).</li>
     * </ul>
     */
    public enum Verdict {
        TRUSTED(true, false, false),
        NO_COOKIE(false, false, false),
        FEATURE_OFF(false, false, false),
        NO_PASSWORD_IN_THIS_LOGIN(false, false, false),
        FEDERATED_USER(false, false, false),
        ENROLMENT_PENDING(false, false, false),
        ACCOUNT_ACTION(false, false, false),
        REAUTHENTICATION(false, false, false),
        STEP_UP_REQUESTED(false, false, false),
        PROMPT_LOGIN(false, false, false),
        MAX_AGE(false, false, false),
        MALFORMED(false, false, true),
        UNKNOWN_DEVICE(false, false, true),
        WRONG_SECRET(false, false, true),
        EXPIRED(false, true, true),
        FACTORS_CHANGED(false, true, true),
        USER_DISABLED(false, true, true);

        private final boolean skip;
        private final boolean endsTrust;
        private final boolean refusal;

        Verdict(boolean skip, boolean endsTrust, boolean refusal) {
            this.skip = skip;
            this.endsTrust = endsTrust;
            this.refusal = refusal;
        }

        public boolean skip() {
            return skip;
        }

        public boolean endsTrust() {
            return endsTrust;
        }

        public boolean refusal() {
            return refusal;
        }

        /** @return the value for event details, e.g. {@code factors_changed} */
        public String reason() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What the authorization request asks for.
     *
     * @param promptLogin    {@code prompt=login} was requested
     * @param maxAgeSeconds  the request's {@code max_age} in seconds, or {@code null}
     * @param requestedLoa   the level of authentication the request asks for (Keycloak's ACR-to-LoA mapping of
     *                       {@code acr_values} or the {@code acr} claim, or the level a credential action needs), or
     *                       {@code null} when none
     * @param accountAction  the login runs an account action ({@code kc_action}), e.g. setting up or removing a
     *                       factor: those need the real second step, or a remembered browser plus the password would
     *                       be enough to add a factor that then works anywhere
     * @param reauthentication Keycloak asks to re-authenticate an existing session (its forced re-authentication)
     */
    public record Request(boolean promptLogin, Integer maxAgeSeconds, Integer requestedLoa, boolean accountAction,
                          boolean reauthentication) {
    }

    private TrustRules() {
    }

    /**
     * Decides whether the request may use trust at all, before any record is read.
     *
     * @param lifetime                the realm's {@code twoStep.trustedDeviceDays}; zero turns the feature off
     * @param passwordPassedThisLogin a password was validated in this very login (S24)
     * @param federatedUser           the user lives in a user storage (LDAP, Kerberos, custom): a password changed
     *                                there leaves no trace to compare, so such users are never skipped
     * @param enrolmentPending        this login will set up a credential (the policy's enrolment, or a credential
     *                                action waiting on the user); that needs the current factor used first
     * @param request                 what the client asked for
     * @return {@code null} when a record may be consulted, else the verdict
     */
    public static Verdict beforeRecord(Duration lifetime, boolean passwordPassedThisLogin, boolean federatedUser,
                                       boolean enrolmentPending, Request request) {
        if (lifetime.isZero() || lifetime.isNegative()) {
            return Verdict.FEATURE_OFF;
        }
        if (!passwordPassedThisLogin) {
            return Verdict.NO_PASSWORD_IN_THIS_LOGIN;
        }
        if (federatedUser) {
            return Verdict.FEDERATED_USER;
        }
        if (enrolmentPending) {
            return Verdict.ENROLMENT_PENDING;
        }
        if (request.accountAction()) {
            return Verdict.ACCOUNT_ACTION;
        }
        if (request.reauthentication()) {
            return Verdict.REAUTHENTICATION;
        }
        if (request.promptLogin()) {
            return Verdict.PROMPT_LOGIN;
        }
        if (request.requestedLoa() != null && request.requestedLoa() > 1) {
            return Verdict.STEP_UP_REQUESTED;
        }
        if (request.maxAgeSeconds() != null && request.maxAgeSeconds() <= 0) {
            return Verdict.MAX_AGE;
        }
        return null;
    }

    /**
     * Decides on a record whose secret matched.
     *
     * @param createdAtMs    when the device was remembered, epoch ms
     * @param expiresAtMs    the expiry stored with the record, epoch ms
     * @param factorsThen    the factors fingerprint stored with the record
     * @param factorsNow     the user's factors fingerprint now
     * @param userEnabled    the user is enabled
     * @param lifetime       the realm's {@code twoStep.trustedDeviceDays} now; a shorter one shortens existing trust
     * @param request        what the client asked for ({@code max_age} counts from {@code createdAtMs}, the last
     *                       time the second factor was actually used on this device)
     * @param nowMs          epoch ms
     * @return the verdict
     */
    public static Verdict onRecord(long createdAtMs, long expiresAtMs, String factorsThen, String factorsNow,
                                   boolean userEnabled, Duration lifetime, Request request, long nowMs) {
        if (!userEnabled) {
            return Verdict.USER_DISABLED;
        }
        if (expired(createdAtMs, expiresAtMs, lifetime, nowMs) || nowMs < createdAtMs - CLOCK_SKEW.toMillis()) {
            return Verdict.EXPIRED;
        }
        if (factorsThen == null || !factorsThen.equals(factorsNow)) {
            return Verdict.FACTORS_CHANGED;
        }
        if (request.maxAgeSeconds() != null && nowMs - createdAtMs >= request.maxAgeSeconds() * 1000L) {
            return Verdict.MAX_AGE;
        }
        return Verdict.TRUSTED;
    }

    /**
     * @param lifetime the realm's {@code twoStep.trustedDeviceDays} (1–365 days)
     * @param nowMs    epoch ms
     * @return the expiry of trust created now, epoch ms
     */
    public static long expiryFor(Duration lifetime, long nowMs) {
        return nowMs + lifetime.toMillis();
    }

    /**
     * @return whether a record is past its stored expiry or past the realm's current lifetime at {@code nowMs}: void
     *         trust that can be removed
     */
    static boolean expired(long createdAtMs, long expiresAtMs, Duration lifetime, long nowMs) {
        return nowMs >= Math.min(expiresAtMs, createdAtMs + lifetime.toMillis());
    }
}
