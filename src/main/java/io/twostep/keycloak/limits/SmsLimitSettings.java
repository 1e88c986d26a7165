package io.twostep.keycloak.limits;

import org.keycloak.Config;

/**
 * Server-wide SMS limits, set by the operator as options of the {@code sms-limits} SPI
 * ({@code --spi-sms-limits--default--<option>}). Each has a default and bounds; Keycloak refuses to start with a
 * value outside them. Sources: docs/security.md S05/S06; NIST SP 800-63B §3.2.2 (rate limiting, at most 100
 * consecutive failures).
 *
 * @param perUserPerHour     SMS one user may receive per clock hour (default 10, 1–100)
 * @param perNumberPerHour   SMS one phone number may receive per clock hour (default 10, 1–100)
 * @param perIpPerHour       SMS one client IP may trigger per clock hour (default 50, 1–10000)
 * @param realmPerHour       SMS one realm may send per clock hour before SMS stop for the realm (default 1000,
 *                           1–1000000)
 * @param failuresBeforeDelay wrong SMS codes (across logins and resends) before each further try waits (default 5,
 *                           1–100)
 * @param failuresBeforeBlock wrong SMS codes after which the SMS factor is blocked for the user (default 20, 2–100)
 * @param blockSeconds       how long the SMS factor stays blocked after each wrong code once {@code failuresBeforeBlock}
 *                           is reached
 *                           (default 3600, 60–604800)
 */
public record SmsLimitSettings(int perUserPerHour, int perNumberPerHour, int perIpPerHour, int realmPerHour,
                               int failuresBeforeDelay, int failuresBeforeBlock, int blockSeconds) {

    /** The defaults. */
    public static final SmsLimitSettings DEFAULTS = new SmsLimitSettings(10, 10, 50, 1000, 5, 20, 3600);

    public SmsLimitSettings {
        check("per-user-per-hour", perUserPerHour, 1, 100);
        check("per-number-per-hour", perNumberPerHour, 1, 100);
        check("per-ip-per-hour", perIpPerHour, 1, 10_000);
        check("realm-per-hour", realmPerHour, 1, 1_000_000);
        check("failures-before-delay", failuresBeforeDelay, 1, 100);
        check("failures-before-block", failuresBeforeBlock, 2, 100);
        check("block-seconds", blockSeconds, 60, 604_800);
        if (failuresBeforeDelay >= failuresBeforeBlock) {
            throw new IllegalArgumentException("failures-before-delay must be below failures-before-block");
        }
    }

    /**
     * @param config the provider's config scope
     * @return the settings, defaults for options not given
     * @throws IllegalArgumentException when an option is out of bounds or not a number
     */
    public static SmsLimitSettings from(Config.Scope config) {
        return new SmsLimitSettings(
                option(config, "per-user-per-hour", DEFAULTS.perUserPerHour),
                option(config, "per-number-per-hour", DEFAULTS.perNumberPerHour),
                option(config, "per-ip-per-hour", DEFAULTS.perIpPerHour),
                option(config, "realm-per-hour", DEFAULTS.realmPerHour),
                option(config, "failures-before-delay", DEFAULTS.failuresBeforeDelay),
                option(config, "failures-before-block", DEFAULTS.failuresBeforeBlock),
                option(config, "block-seconds", DEFAULTS.blockSeconds));
    }

    private static int option(Config.Scope config, String name, int fallback) {
        String value = config.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sms-limits option " + name + " is not a whole number: " + value);
        }
    }

    /**
     * Progressive delay after wrong codes: none below {@link #failuresBeforeDelay}, then 15 s doubling per further
     * failure, at most 300 s.
     *
     * @param failures wrong codes counted so far
     * @return seconds the next try must wait after the last wrong code
     */
    public int delayAfter(int failures) {
        if (failures < failuresBeforeDelay) {
            return 0;
        }
        int doublings = Math.min(failures - failuresBeforeDelay, 5);
        return Math.min(300, 15 << doublings);
    }

    private static void check(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    "sms-limits option " + name + " is " + value + "; allowed: " + min + " to " + max);
        }
    }
}
