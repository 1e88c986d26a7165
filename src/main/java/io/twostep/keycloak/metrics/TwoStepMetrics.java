package io.twostep.keycloak.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
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
 *     <li>{@code twostep_sms_codes_total{realm, purpose, result}}: codes entered ({@code purpose} {@code login} or
 *     {@code enrolment}; {@code result} {@code accepted}, {@code wrong}, {@code expired}, {@code exhausted},
 *     {@code no_code}, {@code delayed}, {@code blocked}).</li>
 * </ul>
 */
public final class TwoStepMetrics {

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
     * @param enrolment whether it proved a number being enrolled (else a login)
     * @param result    one of the documented results
     */
    public static void codeEntered(String realm, boolean enrolment, String result) {
        counter("twostep.sms.codes", "SMS codes entered, by result", "realm", realm,
                "purpose", enrolment ? "enrolment" : "login", "result", result).increment();
    }

    /**
     * Registers {@code twostep_sms_gateway_breaker_open}: 1 while the SMS gateway's circuit breaker makes sends fail
     * at once, else 0.
     *
     * @param open reads the breaker's state; held for as long as the registry lives
     */
    public static void gatewayBreaker(BooleanSupplier open) {
        Gauge.builder("twostep.sms.gateway.breaker.open", open, o -> o.getAsBoolean() ? 1 : 0)
                .description("1 while the SMS gateway circuit breaker is open")
                .strongReference(true)
                .register(registry());
    }

    private static Counter counter(String name, String description, String... tags) {
        return Counter.builder(name).description(description).tags(tags).register(registry());
    }

    private static MeterRegistry registry() {
        return Metrics.globalRegistry;
    }
}
