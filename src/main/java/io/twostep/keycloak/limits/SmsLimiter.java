package io.twostep.keycloak.limits;

import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.provider.Provider;

/**
 * Cluster-wide SMS limits (send budgets and the account-level wrong-code counter), kept in Keycloak's
 * {@code SingleUseObjectProvider} so every node sees them and nothing lives in JVM memory. Every budget and the
 * wrong-code count must stay exact under concurrent requests: a check and its count are one atomic step.
 */
public interface SmsLimiter extends Provider {

    /** Which limit stopped a send. */
    enum Limit {
        USER, NUMBER, IP, REALM
    }

    /**
     * Outcome of {@link #trySend}.
     *
     * @param allowed      whether the SMS may go out; when {@code true} it has been counted
     * @param limit        the limit that was hit, {@code null} when allowed
     * @param retryAfter   seconds until that limit's window ends
     * @param giveBack     takes the SMS off every budget it was counted in, for an SMS that never reached the gateway
     *                     (its circuit breaker open, every send slot busy); call at most once; does nothing when the
     *                     SMS was not allowed
     */
    record SendDecision(boolean allowed, Limit limit, int retryAfter, Runnable giveBack) {

        /** A decision with nothing to give back. */
        public SendDecision(boolean allowed, Limit limit, int retryAfter) {
            this(allowed, limit, retryAfter, () -> {
            });
        }
    }

    /**
     * Where a user stands with wrong SMS codes.
     *
     * @param failures   wrong codes counted (across codes, resends and logins)
     * @param blocked    whether the SMS factor is blocked for the user
     * @param waitSeconds seconds before the next code may be tried (progressive delay or block), 0 if none
     */
    record FailureStatus(int failures, boolean blocked, int waitSeconds) {
    }

    /**
     * Counts one SMS against every limit, unless one of them is spent.
     *
     * @param e164     destination number, E.164 with {@code +}
     * @param clientIp the client's address as Keycloak resolved it (proxy headers only when trusted)
     * @param enrolment whether the number is not proven yet: such sends have their own per-number budget, so that
     *                  someone enrolling a victim's number cannot use up the victim's login codes
     */
    SendDecision trySend(RealmModel realm, UserModel user, String e164, String clientIp, boolean enrolment);

    /**
     * One try of a code, counted against the account's wrong-code count before the code is compared, so that
     * concurrent tries cannot pass the count's limits.
     */
    interface Attempt {
        /** @return {@code null} when the code may be compared; otherwise the standing that refused the try */
        FailureStatus refusal();

        /**
         * The code was wrong: the try stays counted.
         *
         * @return the standing after it
         * @throws IllegalStateException when the try was refused
         */
        FailureStatus wrong();

        /**
         * The code was right: the count is cleared.
         *
         * @throws IllegalStateException when the try was refused
         */
        void right();
    }

    /** @return the user's wrong-code standing now */
    FailureStatus failures(RealmModel realm, UserModel user);

    /**
     * Reserves one try of a code. The count persists until a correct code or an admin clears it (NIST SP 800-63B
     * §3.2.2); after {@code failures-before-delay} wrong codes each try waits, after {@code failures-before-block}
     * each wrong code blocks the factor for {@code block-seconds}, and at 100 the factor stays blocked until an admin
     * clears the count.
     *
     * @return the try, or its refusal
     */
    Attempt beginAttempt(RealmModel realm, UserModel user);

    /** Clears the user's wrong-code count (after a correct code, or by an admin). */
    void resetFailures(RealmModel realm, UserModel user);

    /** @return the settings in force */
    SmsLimitSettings settings();

    @Override
    default void close() {
    }
}
