package io.twostep.keycloak.policy;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The realm's two-step policy, stored as realm attributes (the source of truth). A missing attribute means the
 * default. SECURITY.md S16, S17, S21.
 *
 * @param required            {@code twoStep.required}: every user must pass a second step at next login (default
 *                            {@code false})
 * @param method              {@code twoStep.method}: which second step, {@code otp} | {@code sms} | {@code any}
 *                            (default {@code any})
 * @param trustedDeviceDays   {@code twoStep.trustedDeviceDays}: days a remembered device skips the second step,
 *                            0–365, 0 = feature off (default 90)
 * @param enrolmentGraceDays  {@code twoStep.enrolmentGraceDays}: days after switch-on in which users may postpone
 *                            enrolment, 0–365 (default 0)
 * @param requiredSince       {@code twoStep.requiredSince}: epoch seconds when {@code required} was last switched
 *                            on, 0 when never; recorded by the server, not set by admins
 */
public record TwoStepSettings(boolean required, Method method, int trustedDeviceDays, int enrolmentGraceDays,
                              long requiredSince) {

    public static final String PREFIX = "twoStep.";
    public static final String REQUIRED = PREFIX + "required";
    public static final String METHOD = PREFIX + "method";
    public static final String TRUSTED_DEVICE_DAYS = PREFIX + "trustedDeviceDays";
    public static final String ENROLMENT_GRACE_DAYS = PREFIX + "enrolmentGraceDays";
    public static final String REQUIRED_SINCE = PREFIX + "requiredSince";

    /** What an unreadable attribute reads as: the strictest value of each setting. */
    private static final Map<String, Object> STRICTEST = Map.of("required", true, "method", "any",
            "trustedDeviceDays", 0, "enrolmentGraceDays", 0);

    /** Off; user's choice of method; 90-day trusted devices; no grace period. */
    public static final TwoStepSettings DEFAULTS = new TwoStepSettings(false, Method.ANY, 90, 0, 0);

    /** Which second step the policy asks for. */
    public enum Method {
        /** Authenticator app (Keycloak's TOTP). */
        OTP,
        /** SMS code. */
        SMS,
        /** Either, the user's choice. */
        ANY;

        /** @return the attribute value, e.g. {@code otp} */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Method parse(String value) {
            for (Method m : values()) {
                if (m.value().equals(value)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("method must be one of otp, sms, any; was: " + value);
        }
    }

    /**
     * Reads the policy from realm attributes. A missing value reads as its default. An unreadable one (which only a
     * raw attribute write or an import can leave behind, e.g. {@code twoStep.trustedDeviceDays=off}) reads as the
     * strictest value, so a typo never loosens the policy: {@code required} on, no remembered devices, no grace
     * period, method {@code any}.
     *
     * @param attributes the realm's attributes
     * @return the policy in force
     */
    public static TwoStepSettings fromAttributes(Map<String, String> attributes) {
        TwoStepSettings policy = DEFAULTS;
        for (String key : new String[]{"required", "method", "trustedDeviceDays", "enrolmentGraceDays"}) {
            String value = attributes.get(PREFIX + key);
            if (value != null) {
                try {
                    policy = policy.with(Map.of(key, value), 0);
                } catch (IllegalArgumentException e) {
                    policy = policy.with(Map.of(key, STRICTEST.get(key)), 0);
                }
            }
        }
        long since = 0;
        try {
            since = attributes.get(REQUIRED_SINCE) == null ? 0 : Long.parseLong(attributes.get(REQUIRED_SINCE));
        } catch (NumberFormatException e) {
            // never switched on, as far as we can tell
        }
        return new TwoStepSettings(policy.required, policy.method, policy.trustedDeviceDays,
                policy.enrolmentGraceDays, since);
    }

    /**
     * Applies a partial update (the JSON of {@code PUT /admin/realms/{realm}/two-step}); keys left out keep their
     * value.
     *
     * @param update keys {@code required} (boolean), {@code method} (string), {@code trustedDeviceDays},
     *               {@code enrolmentGraceDays} (whole numbers)
     * @param now    epoch seconds, recorded as {@code requiredSince} when {@code required} goes from off to on
     * @return the new policy
     * @throws IllegalArgumentException with a message fit for the admin, on an unknown key or a bad value
     */
    public TwoStepSettings with(Map<String, ?> update, long now) {
        boolean newRequired = required;
        Method newMethod = method;
        int newTrusted = trustedDeviceDays;
        int newGrace = enrolmentGraceDays;
        for (Map.Entry<String, ?> e : update.entrySet()) {
            Object v = e.getValue();
            switch (e.getKey()) {
                case "required" -> newRequired = bool(v);
                case "method" -> newMethod = Method.parse(v == null ? null : v.toString().toLowerCase(Locale.ROOT));
                case "trustedDeviceDays" -> newTrusted = days("trustedDeviceDays", v);
                case "enrolmentGraceDays" -> newGrace = days("enrolmentGraceDays", v);
                case "requiredSince" -> {
                    // read-only, echoed back by clients that PUT what they GOT
                }
                default -> throw new IllegalArgumentException("unknown setting: " + e.getKey());
            }
        }
        long since = newRequired && !required ? now : requiredSince;
        return new TwoStepSettings(newRequired, newMethod, newTrusted, newGrace, since);
    }

    /** @return the JSON shape of the admin REST API */
    public Map<String, Object> toApi() {
        Map<String, Object> api = new LinkedHashMap<>();
        api.put("required", required);
        api.put("method", method.value());
        api.put("trustedDeviceDays", trustedDeviceDays);
        api.put("enrolmentGraceDays", enrolmentGraceDays);
        api.put("requiredSince", requiredSince);
        return api;
    }

    /** @return the realm attributes that store this policy */
    public Map<String, String> toAttributes() {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(REQUIRED, Boolean.toString(required));
        attributes.put(METHOD, method.value());
        attributes.put(TRUSTED_DEVICE_DAYS, Integer.toString(trustedDeviceDays));
        attributes.put(ENROLMENT_GRACE_DAYS, Integer.toString(enrolmentGraceDays));
        attributes.put(REQUIRED_SINCE, Long.toString(requiredSince));
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
        throw new IllegalArgumentException("required must be true or false; was: " + v);
    }

    private static int days(String name, Object v) {
        long value = longValue(v);
        if (value < 0 || value > 365) {
            throw new IllegalArgumentException(name + " must be a whole number from 0 to 365; was: " + v);
        }
        return (int) value;
    }

    private static long longValue(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short) {
            return ((Number) v).longValue();
        }
        try {
            return Long.parseLong(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a whole number; was: " + v);
        }
    }
}
