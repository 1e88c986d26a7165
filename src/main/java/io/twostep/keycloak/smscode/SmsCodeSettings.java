package io.twostep.keycloak.smscode;

import java.util.List;
import java.util.Map;

import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/**
 * Settings of one SMS code step, read from an execution's (or required action's) config map. Values outside their
 * bounds are clamped to the nearest bound, so a typo can never weaken the step below docs/security.md S01, S02, S04,
 * S06.
 *
 * @param codeLength           digits per code, 6–10 (NIST SP 800-63B §3.1.3.1 asks for ≥ 6 digits)
 * @param codeTtlSeconds       seconds a code stays valid after it was sent, 60–600 (S02: default 300)
 * @param attemptsPerCode      wrong entries that kill a code, 3–10 (S04: default 5)
 * @param resendCooldownSeconds seconds between two sends in one login, 30–600 (S06: default 30)
 * @param sendsPerLogin        SMS per login (first send included), 1–3 (S06: default 3)
 */
public record SmsCodeSettings(int codeLength, int codeTtlSeconds, int attemptsPerCode, int resendCooldownSeconds,
                              int sendsPerLogin) {

    public static final String CODE_LENGTH = "code-length";
    public static final String CODE_TTL = "code-ttl-seconds";
    public static final String ATTEMPTS = "attempts-per-code";
    public static final String COOLDOWN = "resend-cooldown-seconds";
    public static final String SENDS = "sends-per-login";

    /** Allowed range of each setting, {@code {min, max}}. */
    public static final Map<String, int[]> BOUNDS = Map.of(
            CODE_LENGTH, new int[]{6, 10},
            CODE_TTL, new int[]{60, 600},
            ATTEMPTS, new int[]{3, 10},
            COOLDOWN, new int[]{30, 600},
            SENDS, new int[]{1, 3});

    /** The defaults: 6 digits, 300 s, 5 attempts, 30 s cooldown, 3 sends. */
    public static final SmsCodeSettings DEFAULTS = new SmsCodeSettings(6, 300, 5, 30, 3);

    public SmsCodeSettings {
        codeLength = clamp(codeLength, BOUNDS.get(CODE_LENGTH));
        codeTtlSeconds = clamp(codeTtlSeconds, BOUNDS.get(CODE_TTL));
        attemptsPerCode = clamp(attemptsPerCode, BOUNDS.get(ATTEMPTS));
        resendCooldownSeconds = clamp(resendCooldownSeconds, BOUNDS.get(COOLDOWN));
        sendsPerLogin = clamp(sendsPerLogin, BOUNDS.get(SENDS));
    }

    /**
     * @param key   one of the setting names
     * @param value the text an admin entered
     * @return whether it is a whole number within that setting's bounds
     */
    public static boolean inBounds(String key, String value) {
        int[] bounds = BOUNDS.get(key);
        try {
            int number = Integer.parseInt(value.trim());
            return bounds != null && number >= bounds[0] && number <= bounds[1];
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * @param config an execution's config map, or {@code null}
     * @return settings with defaults for missing or unparsable entries
     */
    public static SmsCodeSettings from(Map<String, String> config) {
        if (config == null) {
            return DEFAULTS;
        }
        return new SmsCodeSettings(
                intOr(config.get(CODE_LENGTH), DEFAULTS.codeLength),
                intOr(config.get(CODE_TTL), DEFAULTS.codeTtlSeconds),
                intOr(config.get(ATTEMPTS), DEFAULTS.attemptsPerCode),
                intOr(config.get(COOLDOWN), DEFAULTS.resendCooldownSeconds),
                intOr(config.get(SENDS), DEFAULTS.sendsPerLogin));
    }

    /** @return the config properties an admin sees on the execution or required action */
    public static List<ProviderConfigProperty> configProperties() {
        return ProviderConfigurationBuilder.create()
                .property().name(CODE_LENGTH).label("Code length").type(ProviderConfigProperty.INTEGER_TYPE)
                .defaultValue(DEFAULTS.codeLength).helpText("Digits per code, 6 to 10.").add()
                .property().name(CODE_TTL).label("Code validity (seconds)").type(ProviderConfigProperty.INTEGER_TYPE)
                .defaultValue(DEFAULTS.codeTtlSeconds).helpText("Seconds a code stays valid, 60 to 600.").add()
                .property().name(ATTEMPTS).label("Attempts per code").type(ProviderConfigProperty.INTEGER_TYPE)
                .defaultValue(DEFAULTS.attemptsPerCode).helpText("Wrong entries before the code is void, 3 to 10.").add()
                .property().name(COOLDOWN).label("Resend cooldown (seconds)").type(ProviderConfigProperty.INTEGER_TYPE)
                .defaultValue(DEFAULTS.resendCooldownSeconds).helpText("Seconds between two codes, 30 to 600.").add()
                .property().name(SENDS).label("Codes per login").type(ProviderConfigProperty.INTEGER_TYPE)
                .defaultValue(DEFAULTS.sendsPerLogin).helpText("Text messages one login may send, 1 to 3.").add()
                .build();
    }

    private static int intOr(String value, int fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static int clamp(int value, int[] bounds) {
        return Math.max(bounds[0], Math.min(bounds[1], value));
    }
}
