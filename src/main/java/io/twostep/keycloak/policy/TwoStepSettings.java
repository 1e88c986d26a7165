package io.twostep.keycloak.policy;

import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The realm's two-step policy, stored as realm attributes: the one store of the policy. A missing attribute means the
 * default. Read it with {@link #of}, once per request; the REST API and the admin console tab change it with
 * {@link #with} and {@link #store}. docs/security.md S16, S17, S21.
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
 * @param recoveryCodes       {@code twoStep.recoveryCodes}: how users get back in after losing their phone,
 *                            {@code off} | {@code offer} | {@code required} (default {@code offer})
 * @param notifications       {@code twoStep.notifications}: security notices by e-mail, {@code true} |
 *                            {@code false} (default {@code true})
 */
public record TwoStepSettings(boolean required, Method method, int trustedDeviceDays, int enrolmentGraceDays,
                              long requiredSince, RecoveryCodes recoveryCodes, boolean notifications) {

    /** Prefix of every realm attribute of this extension. */
    public static final String PREFIX = "twoStep.";
    /** Realm attribute of {@link #requiredSince}: read-only for admins (clients that PUT what they GOT echo it). */
    public static final String REQUIRED_SINCE_ATTRIBUTE = PREFIX + "requiredSince";
    private static final String REQUIRED_SINCE_KEY = "requiredSince";

    /** Off; user's choice of method; 90-day trusted devices; no grace period; recovery codes offered; notices on. */
    public static final TwoStepSettings DEFAULTS = new TwoStepSettings(false, Method.ANY, 90, 0, 0);

    /**
     * The policy's own settings, with the default recovery-code setting ({@code offer}) and notices on.
     *
     * @see TwoStepSettings the parameters
     */
    public TwoStepSettings(boolean required, Method method, int trustedDeviceDays, int enrolmentGraceDays,
                           long requiredSince) {
        this(required, method, trustedDeviceDays, enrolmentGraceDays, requiredSince, RecoveryCodes.OFFER, true);
    }

    /** Where {@link #of} keeps the settings it read for the rest of the request, per realm. */
    private static final String SESSION_ATTRIBUTE = "two-step.settings.";

    /**
     * The settings an admin sets, in order: their names in the REST API's JSON and the tab's fields, and the realm
     * attributes that store them. The one list of keys; {@link #with}, {@link #toApi}, {@link #toAttributes} and the
     * tab all follow it.
     */
    public enum Setting {
        /** {@code required}: {@code true} or {@code false}. */
        REQUIRED("required", true),
        /** {@code method}: {@code otp}, {@code sms} or {@code any}. */
        METHOD("method", "any"),
        /** {@code trustedDeviceDays}: 0–365. */
        TRUSTED_DEVICE_DAYS("trustedDeviceDays", 0),
        /** {@code enrolmentGraceDays}: 0–365. */
        ENROLMENT_GRACE_DAYS("enrolmentGraceDays", 0),
        /** {@code recoveryCodes}: {@code off}, {@code offer} or {@code required}. */
        RECOVERY_CODES("recoveryCodes", "required"),
        /** {@code notifications}: {@code true} or {@code false}. */
        NOTIFICATIONS("notifications", true);

        private final String key;
        private final Object strictest;

        Setting(String key, Object strictest) {
            this.key = key;
            this.strictest = strictest;
        }

        /** @return the name in the REST API's JSON and the tab, e.g. {@code trustedDeviceDays} */
        public String key() {
            return key;
        }

        /** @return the realm attribute, e.g. {@code twoStep.trustedDeviceDays} */
        public String attribute() {
            return PREFIX + key;
        }

        /** @return the value of {@code settings} in the REST API's shape (a boolean, a string or a number) */
        public Object valueOf(TwoStepSettings settings) {
            return switch (this) {
                case REQUIRED -> settings.required;
                case METHOD -> settings.method.value();
                case TRUSTED_DEVICE_DAYS -> settings.trustedDeviceDays;
                case ENROLMENT_GRACE_DAYS -> settings.enrolmentGraceDays;
                case RECOVERY_CODES -> settings.recoveryCodes.value();
                case NOTIFICATIONS -> settings.notifications;
            };
        }

        /** @return what an unreadable attribute reads as: the strictest value, so a typo never loosens the policy */
        Object strictest() {
            return strictest;
        }

        static Setting byKey(String key) {
            for (Setting setting : values()) {
                if (setting.key.equals(key)) {
                    return setting;
                }
            }
            return null;
        }
    }

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
     * The policy in force in {@code realm}, read from its attributes once per request: later calls in the same
     * request get the same settings, and {@link #store} keeps them current.
     *
     * @param session the request's session, which holds the settings read
     * @param realm   the realm
     * @return the policy in force
     */
    public static TwoStepSettings of(KeycloakSession session, RealmModel realm) {
        String key = SESSION_ATTRIBUTE + realm.getId();
        TwoStepSettings read = session.getAttribute(key, TwoStepSettings.class);
        if (read == null) {
            read = fromAttributes(realm.getAttributes());
            session.setAttribute(key, read);
        }
        return read;
    }

    /**
     * Writes these settings into the realm's attributes (only the {@code twoStep.*} ones) and makes them what
     * {@link #of} returns for the rest of the request.
     *
     * @param session the request's session
     * @param realm   the realm
     */
    public void store(KeycloakSession session, RealmModel realm) {
        toAttributes().forEach(realm::setAttribute);
        remember(session, realm);
    }

    /**
     * Makes these settings what {@link #of} returns for the rest of the request, without writing anything: for a
     * value written in a transaction of its own.
     *
     * @param session the request's session
     * @param realm   the realm
     */
    public void remember(KeycloakSession session, RealmModel realm) {
        session.setAttribute(SESSION_ATTRIBUTE + realm.getId(), this);
    }

    /**
     * Reads the policy from realm attributes. A missing value reads as its default. An unreadable one (which only a
     * raw attribute write or an import can leave behind, e.g. {@code twoStep.trustedDeviceDays=off}) reads as the
     * strictest value, so a typo never loosens the policy: {@code required} on, no remembered devices, no grace
     * period, method {@code any}, recovery codes {@code required}, notices on.
     *
     * @param attributes the realm's attributes
     * @return the policy they hold
     */
    public static TwoStepSettings fromAttributes(Map<String, String> attributes) {
        TwoStepSettings policy = DEFAULTS;
        for (Setting setting : Setting.values()) {
            String value = attributes.get(setting.attribute());
            if (value != null) {
                try {
                    policy = policy.with(Map.of(setting.key(), value), 0);
                } catch (IllegalArgumentException e) {
                    policy = policy.with(Map.of(setting.key(), setting.strictest()), 0);
                }
            }
        }
        long since = 0;
        try {
            String recorded = attributes.get(REQUIRED_SINCE_ATTRIBUTE);
            since = recorded == null ? 0 : Long.parseLong(recorded);
        } catch (NumberFormatException e) {
            // never switched on, as far as we can tell
        }
        return policy.withRequiredSince(since);
    }

    /**
     * Applies a partial update (the JSON of {@code PUT /admin/realms/{realm}/two-step}, or the tab's changed fields);
     * keys left out keep their value.
     *
     * @param update keys of {@link Setting} ({@code required} and {@code notifications} booleans, {@code method}
     *               and {@code recoveryCodes} strings, the days whole numbers, as JSON values or text);
     *               {@code requiredSince} is accepted and ignored
     * @param now    epoch seconds, recorded as {@code requiredSince} when {@code required} goes from off to on
     * @return the new policy
     * @throws IllegalArgumentException with a message fit for the admin, on an unknown key or a bad value
     */
    public TwoStepSettings with(Map<String, ?> update, long now) {
        boolean newRequired = required;
        Method newMethod = method;
        int newTrusted = trustedDeviceDays;
        int newGrace = enrolmentGraceDays;
        RecoveryCodes newRecoveryCodes = recoveryCodes;
        boolean newNotifications = notifications;
        for (Map.Entry<String, ?> e : update.entrySet()) {
            Object v = e.getValue();
            Setting setting = Setting.byKey(e.getKey());
            if (setting == null) {
                if (!REQUIRED_SINCE_KEY.equals(e.getKey())) {
                    throw new IllegalArgumentException("unknown setting: " + e.getKey());
                }
                continue;
            }
            switch (setting) {
                case REQUIRED -> newRequired = bool(setting.key(), v);
                case METHOD -> newMethod = Method.parse(v == null ? null : v.toString().toLowerCase(Locale.ROOT));
                case TRUSTED_DEVICE_DAYS -> newTrusted = days(setting.key(), v);
                case ENROLMENT_GRACE_DAYS -> newGrace = days(setting.key(), v);
                case RECOVERY_CODES -> newRecoveryCodes = RecoveryCodes.parse(v);
                case NOTIFICATIONS -> newNotifications = bool(setting.key(), v);
            }
        }
        long since = newRequired && !required ? now : requiredSince;
        return new TwoStepSettings(newRequired, newMethod, newTrusted, newGrace, since, newRecoveryCodes,
                newNotifications);
    }

    /**
     * @param epochSeconds the switch-on time to record
     * @return these settings with that switch-on time
     */
    public TwoStepSettings withRequiredSince(long epochSeconds) {
        return new TwoStepSettings(required, method, trustedDeviceDays, enrolmentGraceDays, epochSeconds,
                recoveryCodes, notifications);
    }

    /** @return how long a remembered device skips the second step; zero when the feature is off */
    public Duration trustedDeviceLifetime() {
        return Duration.ofDays(trustedDeviceDays);
    }

    /** @return how long after switch-on users may postpone enrolment; zero for none */
    public Duration enrolmentGracePeriod() {
        return Duration.ofDays(enrolmentGraceDays);
    }

    /** @return the JSON shape of the admin REST API: the {@link Setting}s in order, then {@code requiredSince} */
    public Map<String, Object> toApi() {
        Map<String, Object> api = new LinkedHashMap<>();
        for (Setting setting : Setting.values()) {
            api.put(setting.key(), setting.valueOf(this));
        }
        api.put(REQUIRED_SINCE_KEY, requiredSince);
        return api;
    }

    /** @return the realm attributes that store this policy */
    public Map<String, String> toAttributes() {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (Setting setting : Setting.values()) {
            attributes.put(setting.attribute(), String.valueOf(setting.valueOf(this)));
        }
        attributes.put(REQUIRED_SINCE_ATTRIBUTE, Long.toString(requiredSince));
        return attributes;
    }

    private static boolean bool(String name, Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        String text = String.valueOf(v).trim();
        if ("true".equalsIgnoreCase(text) || "false".equalsIgnoreCase(text)) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(name + " must be true or false; was: " + v);
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
