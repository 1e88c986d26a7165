package io.twostep.keycloak;

/**
 * The names this extension is known by, in one place at the bottom of the package graph, so that no package imports
 * another one to find an id. Realms in the field and {@code realm-export.json} refer to them: they never change.
 * {@code docs/design.md} lists them with what they name.
 */
public final class TwoStepIds {

    // ---- authenticators (flow steps)

    /** Authenticator "SMS OTP Form": texts a code to the proven number and asks for it. */
    public static final String SMS_OTP_FORM = "sms-otp-form";
    /** Authenticator "Two-step guard (direct grant)": refuses password grants the second step cannot follow. */
    public static final String DIRECT_GRANT_GUARD = "sms-otp-direct-grant-guard";
    /** Conditional authenticator "Condition - two-step policy". */
    public static final String CONDITIONAL_TWO_STEP = "conditional-two-step";
    /** Authenticator "Two-step enrolment": sends users without the factor the realm asks for to set it up. */
    public static final String TWO_STEP_ENROLMENT = "two-step-enrolment";
    /** Conditional authenticator "Condition - device not remembered". */
    public static final String TRUSTED_DEVICE_CONDITION = "trusted-device";
    /** Authenticator "Remember this device". */
    public static final String TRUSTED_DEVICE_OFFER = "trusted-device-offer";

    // ---- required actions

    /** Required action "Set up SMS code", also {@code kc_action=configure-sms-otp}. */
    public static final String CONFIGURE_SMS_OTP = "configure-sms-otp";
    /** Required action "Forget remembered devices", also {@code kc_action=forget-trusted-devices}. */
    public static final String FORGET_TRUSTED_DEVICES = "forget-trusted-devices";
    /** Required action "Two-step login check": the login-time safety net of the policy. */
    public static final String TWO_STEP_LOGIN_CHECK = "two-step-login-check";

    // ---- credential types (also the ids of their credential providers)

    /** Credential type of a proven phone number. */
    public static final String SMS_OTP_CREDENTIAL = "sms-otp";
    /** Credential type of a remembered browser. */
    public static final String TRUSTED_DEVICE_CREDENTIAL = "trusted-device";

    // ---- global event listeners

    /** Keeps {@link #PHONE_NUMBER_VERIFIED} true only for the proven number. */
    public static final String PHONE_VERIFIED_LISTENER = "two-step-phone-verified";
    /** Ends the remembered devices of a disabled user. */
    public static final String TRUSTED_DEVICE_REVOCATION_LISTENER = "two-step-trusted-device-revocation";
    /** Keeps the Two-step login check enabled while the policy is on. */
    public static final String SAFETY_NET_KEEPER_LISTENER = "two-step-safety-net-keeper";
    /** E-mails users a security notice when how they sign in changes. */
    public static final String SECURITY_NOTICES_LISTENER = "two-step-security-notices";
    /** Chains Keycloak's recovery-code set-up after a second step is set up. */
    public static final String RECOVERY_CODES_LISTENER = "two-step-recovery-codes";
    /** Counts second steps set up on {@code /metrics} ({@code twostep_enrolments_total}). */
    public static final String ENROLMENT_METRICS_LISTENER = "two-step-enrolment-metrics";

    // ---- admin faces

    /** Path segment of the admin REST API: {@code /admin/realms/{realm}/two-step}. */
    public static final String ADMIN_PATH = "two-step";
    /** Provider id of the admin console tab; the console shows it as the tab's title. */
    public static final String ADMIN_TAB = "Two-step login";
    /** Provider id of the help desk's tab on a user's page; the console shows it as the tab's title. */
    public static final String HELP_DESK_TAB = "Two-step reset";

    // ---- own SPIs

    /** The SPI through which codes leave Keycloak. */
    public static final String SMS_SENDER_SPI = "sms-sender";
    /** The SPI of the send budgets and the wrong-code count. */
    public static final String SMS_LIMITS_SPI = "sms-limits";

    // ---- user attributes (the names Keycloak's OIDC "phone" scope maps)

    /** The user's phone number, E.164 with {@code +}. */
    public static final String PHONE_NUMBER = "phoneNumber";
    /** {@code true} only while {@link #PHONE_NUMBER} is the number the user proved; else {@code false} or absent. */
    public static final String PHONE_NUMBER_VERIFIED = "phoneNumberVerified";

    // ---- settings of the Set up SMS code required action (its phone policy)

    /** Region (ISO 3166-1 alpha-2) for numbers typed without {@code +}; empty: international format only. */
    public static final String DEFAULT_REGION = "default-region";
    /** Comma-separated regions whose numbers may be used; empty: all. */
    public static final String ALLOWED_REGIONS = "allowed-regions";

    // ---- authentication-session notes read by more than one step

    /** Set by the enrolment step: {@code true} when the SMS enrolment page offers the app as well. */
    public static final String ENROLMENT_CHOICE_NOTE = "two-step.enrolment.choice";
    /** Set by the remembered-device condition: its verdict for this login (a {@code TrustRules.Verdict} name). */
    public static final String TRUSTED_DEVICE_VERDICT_NOTE = "two-step.trusted-device.verdict";

    private TwoStepIds() {
    }
}
