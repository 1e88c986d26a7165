package io.twostep.keycloak.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How users get back in after losing their phone, and whether they are told of changes to how they sign in: two
 * realm attributes beside the policy's ({@link TwoStepSettings}), read and written through the same REST API and
 * tab. A missing attribute means the default; an unreadable one (only a raw attribute write or an import can leave
 * one) reads as the strictest value, as the policy's own settings do.
 *
 * @param recoveryCodes {@code twoStep.recoveryCodes}: {@code off} | {@code offer} | {@code required} (default
 *                      {@code offer})
 * @param notifications {@code twoStep.notifications}: security notices by e-mail, {@code true} | {@code false}
 *                      (default {@code true})
 */
public record AccountRecoverySettings(RecoveryCodes recoveryCodes, boolean notifications) {

    public static final String RECOVERY_CODES = TwoStepSettings.PREFIX + "recoveryCodes";
    public static final String NOTIFICATIONS = TwoStepSettings.PREFIX + "notifications";

    /** The keys of the REST API's JSON and of the tab, in this order. */
    public static final List<String> KEYS = List.of("recoveryCodes", "notifications");

    /** Recovery codes offered after a first set-up; notices on. */
    public static final AccountRecoverySettings DEFAULTS = new AccountRecoverySettings(RecoveryCodes.OFFER, true);

    /** What {@code twoStep.recoveryCodes} asks. */
    public enum RecoveryCodes {
        /** Not offered, not asked for, and not accepted at login. */
        OFF,
        /** Offered (Keycloak's recovery-code page) right after a user's first set-up of a second step. */
        OFFER,
        /** As {@link #OFFER}, and every user with a second factor but no recovery codes sets them up at login. */
        REQUIRED;

        /** @return the attribute value, e.g. {@code offer} */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        static RecoveryCodes parse(Object value) {
            String text = value == null ? null : value.toString().trim().toLowerCase(Locale.ROOT);
            for (RecoveryCodes r : values()) {
                if (r.value().equals(text)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("recoveryCodes must be one of off, offer, required; was: " + value);
        }
    }

    /**
     * @param attributes the realm's attributes
     * @return the settings in force; an unreadable value reads as {@code required} and {@code true}
     */
    public static AccountRecoverySettings fromAttributes(Map<String, String> attributes) {
        RecoveryCodes codes = DEFAULTS.recoveryCodes;
        String rawCodes = attributes.get(RECOVERY_CODES);
        if (rawCodes != null) {
            try {
                codes = RecoveryCodes.parse(rawCodes);
            } catch (IllegalArgumentException e) {
                codes = RecoveryCodes.REQUIRED;
            }
        }
        boolean notices = DEFAULTS.notifications;
        String rawNotices = attributes.get(NOTIFICATIONS);
        if (rawNotices != null) {
            notices = !"false".equalsIgnoreCase(rawNotices.trim());
        }
        return new AccountRecoverySettings(codes, notices);
    }

    /**
     * Applies the keys of a partial update that are these settings'; other keys are left for
     * {@link TwoStepSettings#with}.
     *
     * @param update the JSON of {@code PUT /admin/realms/{realm}/two-step}: {@code recoveryCodes} (string),
     *               {@code notifications} (boolean, or the text {@code true}/{@code false})
     * @return the new settings
     * @throws IllegalArgumentException with a message fit for the admin, on a bad value
     */
    public AccountRecoverySettings with(Map<String, ?> update) {
        RecoveryCodes codes = recoveryCodes;
        boolean notices = notifications;
        if (update.containsKey("recoveryCodes")) {
            codes = RecoveryCodes.parse(update.get("recoveryCodes"));
        }
        if (update.containsKey("notifications")) {
            notices = bool(update.get("notifications"));
        }
        return new AccountRecoverySettings(codes, notices);
    }

    /**
     * @param update a partial update of the whole two-step settings
     * @return its keys that are these settings' (removed from nothing: a copy)
     */
    public static Map<String, Object> ownKeys(Map<String, ?> update) {
        Map<String, Object> own = new LinkedHashMap<>();
        KEYS.stream().filter(update::containsKey).forEach(k -> own.put(k, update.get(k)));
        return own;
    }

    /** @return the JSON shape of the admin REST API */
    public Map<String, Object> toApi() {
        Map<String, Object> api = new LinkedHashMap<>();
        api.put("recoveryCodes", recoveryCodes.value());
        api.put("notifications", notifications);
        return api;
    }

    /** @return the realm attributes that store these settings */
    public Map<String, String> toAttributes() {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(RECOVERY_CODES, recoveryCodes.value());
        attributes.put(NOTIFICATIONS, Boolean.toString(notifications));
        return attributes;
    }

    private static boolean bool(Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        String text = String.valueOf(v).trim();
        if ("true".equalsIgnoreCase(text) || "false".equalsIgnoreCase(text)) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException("notifications must be true or false; was: " + v);
    }
}
