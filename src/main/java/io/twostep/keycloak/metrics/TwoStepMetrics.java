package io.twostep.keycloak.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import org.keycloak.sessions.AuthenticationSessionModel;

import java.time.Duration;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * The extension's meters, in Keycloak's own Micrometer registry: with {@code --metrics-enabled=true} they appear
 * on the management endpoint {@code /metrics} beside Keycloak's, as {@code twostep_*}; without it they cost next to
 * nothing. Labels have bounded values only: the realm name, an outcome or reason from a fixed list, and the
 * destination's country calling code (at most about 250 values). Never a user id, a number or a client address.
 *
 * <ul>
 *     <li>{@code twostep_sms_sent_total{realm, country}}: SMS the gateway accepted;</li>
 *     <li>{@code twostep_sms_send_failed_total{realm, country, reason}}: sends the gateway or the phone policy
 *     refused ({@code temporary}, {@code invalid_number}, {@code configuration}, {@code provider_down},
 *     {@code number_not_allowed});</li>
 *     <li>{@code twostep_sms_limited_total{realm, country, limit}}: sends a budget stopped ({@code user},
 *     {@code number}, {@code ip}, {@code realm}, {@code blocked});</li>
 *     <li>{@code twostep_sms_gateway_seconds{outcome}}: the gateway's answer time, a histogram
 *     ({@code outcome} {@code accepted} or {@code failed});</li>
 *     <li>{@code twostep_sms_gateway_breaker_open}: 1 while the gateway's circuit breaker is open;</li>
 *     <li>{@code twostep_sms_gateway_refused_total{cause}}: sends failed at once, before the gateway was called
 *     ({@code cause} {@code breaker_open}, or {@code slots_busy}: every one of the sender's
 *     {@code max-concurrent-sends} was waiting for the gateway);</li>
 *     <li>{@code twostep_sms_codes_total{realm, country, purpose, result}}: codes entered, by the calling code of
 *     the number the code was sent to ({@code purpose} {@code login} or
 *     {@code enrolment}; {@code result} {@code accepted}, {@code wrong}, {@code expired}, {@code exhausted},
 *     {@code no_code}, {@code delayed}, {@code blocked});</li>
 *     <li>{@code twostep_enrolments_total{realm, method}}: second steps set up ({@code method} {@code sms}: a number
 *     bound with its code, a first one or a new one; {@code otp}: an authenticator app through Keycloak's
 *     {@code CONFIGURE_TOTP}; {@code recovery_codes}: a set of recovery codes through Keycloak's
 *     {@code CONFIGURE_RECOVERY_AUTHN_CODES});</li>
 *     <li>{@code twostep_trusted_device_total{realm, outcome, reason}}: what a remembered-device cookie did at
 *     login, and devices remembered: {@code outcome} {@code used} ({@code reason} {@code trusted}: the second step
 *     was skipped), {@code refused} ({@code reason} {@code malformed}, {@code unknown_device}, {@code wrong_secret},
 *     {@code expired}, {@code factors_changed}, {@code user_disabled}), {@code not_applied} (a valid-looking cookie
 *     this login could not use; {@code reason} {@code feature_off}, {@code no_password_in_this_login},
 *     {@code federated_user}, {@code enrolment_pending}, {@code account_action}, {@code reauthentication},
 *     {@code prompt_login}, {@code step_up_requested}, {@code max_age}), {@code remembered} ({@code reason}
 *     {@code none}); the reasons are those of the events' {@code reason} and {@code trusted_device_not_applied}
 *     details;</li>
 *     <li>{@code twostep_policy_total{realm, outcome}}: what the two-step policy did with a login, each outcome
 *     at most once per login ({@link PolicyOutcome}).</li>
 * </ul>
 */
public final class TwoStepMetrics {

    /** Authentication-session note prefix that keeps a policy outcome to one count per login. */
    static final String COUNTED_NOTE = "two-step.metrics.";

    /**
     * The values of {@code twostep_policy_total}'s {@code outcome} label. A login may count more than one (a user
     * asked for the SMS code who must then set up the app the realm requires), each once.
     */
    public enum PolicyOutcome {
        /** The second step did not run: the policy is off and the user has no second factor. */
        NOT_REQUIRED,
        /** The second step ran: its form was due (counted where Condition - device not remembered decides). */
        SECOND_STEP_ASKED,
        /** A remembered device skipped the second step. */
        SKIPPED_REMEMBERED_DEVICE,
        /** The user was sent to set up the second factor the policy asks for. */
        ENROLMENT_REQUIRED,
        /** The user chose "Set up later" during the grace period. */
        ENROLMENT_POSTPONED,
        /** A password grant refused: the user's second step cannot follow it (Two-step guard). */
        REFUSED_DIRECT_GRANT,
        /** The Two-step login check (safety net) refused a login that passed no second step. */
        REFUSED_SECOND_STEP_MISSING,
        /** The set-up the policy needs is disabled or not registered: the login was refused. */
        REFUSED_ENROLMENT_UNAVAILABLE;

        /** @return the label value, e.g. {@code second_step_asked} */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private TwoStepMetrics() {
    }

    /** An SMS the gateway accepted. @param country calling code without {@code +}, e.g. {@code 49} */
    public static void smsSent(String realm, String country) {
        counter("twostep.sms.sent", "SMS the gateway accepted", "realm", realm, "country", country).increment();
    }

    /** A send refused by the gateway or the phone policy. @param reason one of the documented reasons */
    public static void smsSendFailed(String realm, String country, String reason) {
        counter("twostep.sms.send.failed", "SMS sends refused by the gateway or the phone policy",
                "realm", realm, "country", country, "reason", reason).increment();
    }

    /** A send stopped by a budget or a block. @param limit one of the documented limits */
    public static void smsLimited(String realm, String country, String limit) {
        counter("twostep.sms.limited", "SMS sends stopped by a budget or a block",
                "realm", realm, "country", country, "limit", limit).increment();
    }

    /**
     * @param elapsed  how long the gateway took, including the one retry
     * @param accepted whether it accepted the SMS
     */
    public static void gatewayAnswered(Duration elapsed, boolean accepted) {
        Timer.builder("twostep.sms.gateway")
                .description("Time the SMS gateway took to answer")
                .tag("outcome", accepted ? "accepted" : "failed")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(10))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry())
                .record(elapsed);
    }

    /**
     * A code entered at login or enrolment.
     *
     * @param country   calling code of the number the code was sent to, without {@code +}
     * @param enrolment whether it proved a number being enrolled (else a login)
     * @param result    one of the documented results
     */
    public static void codeEntered(String realm, String country, boolean enrolment, String result) {
        counter("twostep.sms.codes", "SMS codes entered, by result", "realm", realm, "country", country,
                "purpose", enrolment ? "enrolment" : "login", "result", result).increment();
    }

    /**
     * A second step set up.
     *
     * @param method {@code sms}, {@code otp} or {@code recovery_codes}
     */
    public static void enrolled(String realm, String method) {
        counter("twostep.enrolments", "Second steps set up, by method", "realm", realm, "method", method)
                .increment();
    }

    /**
     * What a remembered-device cookie did, or a device remembered.
     *
     * @param outcome {@code used}, {@code refused}, {@code not_applied} or {@code remembered}
     * @param reason  the verdict's reason from the documented list ({@code trusted} when used, {@code none} when
     *                remembered)
     */
    public static void trustedDevice(String realm, String outcome, String reason) {
        counter("twostep.trusted.device", "Remembered devices used, refused, not applied and remembered",
                "realm", realm, "outcome", outcome, "reason", reason).increment();
    }

    /**
     * Counts what the policy did with this login, once per login however often Keycloak runs the step that
     * decides (conditions are evaluated again on later requests of the same login).
     *
     * @param login the login's authentication session; {@code null} counts without the once-per-login guard
     */
    public static void policy(AuthenticationSessionModel login, String realm, PolicyOutcome outcome) {
        if (login != null) {
            String note = COUNTED_NOTE + outcome.label();
            if (login.getAuthNote(note) != null) {
                return;
            }
            login.setAuthNote(note, "1");
        }
        counter("twostep.policy", "What the two-step policy did with logins", "realm", realm,
                "outcome", outcome.label()).increment();
    }

    /**
     * Registers {@code twostep_sms_gateway_breaker_open}: 1 while the SMS gateway's circuit breaker is open (from its
     * opening until a send finds the gateway up again), else 0.
     *
     * @param open reads the breaker's state; held for as long as the registry lives
     */
    public static void gatewayBreaker(BooleanSupplier open) {
        Gauge.builder("twostep.sms.gateway.breaker.open", open, o -> o.getAsBoolean() ? 1 : 0)
                .description("1 while the SMS gateway circuit breaker is open")
                .strongReference(true)
                .register(registry());
    }

    /**
     * A send failed at once by the gateway guard, without calling the gateway.
     *
     * @param cause {@code breaker_open} or {@code slots_busy}
     */
    public static void gatewayRefused(String cause) {
        gatewayRefusals(cause).increment();
    }

    /**
     * Registers {@code twostep_sms_gateway_refused_total} at zero for each cause, so that the first refusals after a
     * start show as an increase.
     *
     * @param causes the causes the guard counts
     */
    public static void gatewayRefusalsFromZero(String... causes) {
        for (String cause : causes) {
            gatewayRefusals(cause);
        }
    }

    private static Counter gatewayRefusals(String cause) {
        return counter("twostep.sms.gateway.refused", "SMS sends failed at once, before the gateway was called",
                "cause", cause);
    }

    private static Counter counter(String name, String description, String... tags) {
        return Counter.builder(name).description(description).tags(tags).register(registry());
    }

    private static MeterRegistry registry() {
        return Metrics.globalRegistry;
    }
}
