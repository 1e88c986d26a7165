package io.twostep.keycloak.events;

/**
 * The event vocabulary of this extension: the details it adds to Keycloak's events, the values of
 * {@link #EVENT} and the error codes. Every event it emits carries {@link #EVENT} saying which step it records;
 * numbers appear only masked, codes never (docs/security.md S11, S27). The README's Events table lists which Keycloak
 * event type each one rides on.
 */
public final class TwoStepEvents {

    // ---- details

    /** Detail: which two-step event this is, one of the values below. */
    public static final String EVENT = "two_step_event";
    /** Detail: the destination, masked like {@code +49•••••••••89}. */
    public static final String MASKED_NUMBER = "phone_number_masked";
    /** Detail: the number a change replaced, masked. */
    public static final String PREVIOUS_MASKED_NUMBER = "previous_phone_number_masked";
    /** Detail: the gateway's message id. */
    public static final String MESSAGE_ID = "sms_message_id";
    /**
     * Detail: why something failed or was refused, e.g. a send's {@code temporary}, {@code invalid_number},
     * {@code configuration}, {@code provider_down}, {@value #REASON_NUMBER_NOT_ALLOWED}.
     */
    public static final String REASON = "reason";
    /** Detail: the credential type involved. */
    public static final String CREDENTIAL_TYPE = "credential_type";
    /** Detail: which limit stopped a send ({@code user}, {@code number}, {@code ip}, {@code realm}). */
    public static final String LIMIT = "limit";
    /** Detail: the label of the remembered device involved, e.g. {@code Firefox on Linux, 2026-11-29}. */
    public static final String TRUSTED_DEVICE = "trusted_device";
    /** Detail on the login event: why a remembered device did not skip the second step (e.g. {@code prompt_login}). */
    public static final String TRUSTED_DEVICE_NOT_APPLIED = "trusted_device_not_applied";
    /** Detail: how many records an action removed. */
    public static final String COUNT = "count";
    /** Detail: the required action a refused login would have needed. */
    public static final String REQUIRED_ACTION = "required_action";

    // ---- values of EVENT

    public static final String CODE_SENT = "sms_code_sent";
    public static final String SEND_FAILED = "sms_send_failed";
    public static final String CODE_ACCEPTED = "sms_code_accepted";
    public static final String CODE_REFUSED = "sms_code_refused";
    public static final String NUMBER_BOUND = "sms_number_bound";
    public static final String LIMIT_HIT = "sms_limit_hit";
    public static final String FACTOR_BLOCKED = "sms_factor_blocked";
    /** A password grant refused because the user's second step cannot follow it. */
    public static final String DIRECT_GRANT_REFUSED = "direct_grant_refused";
    public static final String TRUSTED_DEVICE_USED = "trusted_device_used";
    public static final String TRUSTED_DEVICE_REFUSED = "trusted_device_refused";
    public static final String TRUSTED_DEVICE_REMEMBERED = "trusted_device_remembered";
    public static final String TRUSTED_DEVICES_FORGOTTEN = "trusted_devices_forgotten";

    /** A recovery code was spent at login; detail {@link #REMAINING}. */
    public static final String RECOVERY_CODE_USED = "recovery_code_used";
    /** Detail: how many recovery codes the user has left. */
    public static final String REMAINING = "remaining";
    /** A second factor the user could no longer use was removed once they set up a new one after a recovery code. */
    public static final String SECOND_FACTOR_REPLACED = "second_factor_replaced";

    /** Changing the second step was refused: this session has not used the current one. */
    public static final String SECOND_STEP_NEEDED = "second_step_needed";
    /** The policy needs a set-up action that is disabled or not registered: the login is refused. */
    public static final String ENROLMENT_UNAVAILABLE = "enrolment_unavailable";
    /** The Two-step login check refused a login that passed no second step while the policy is on. */
    public static final String SECOND_STEP_MISSING = "second_step_missing";

    /** {@link #REASON} of a send the realm's phone policy no longer allows. */
    public static final String REASON_NUMBER_NOT_ALLOWED = "number_not_allowed";

    // ---- error codes

    /** Error of a failed send on {@code LOGIN_ERROR} / {@code CUSTOM_REQUIRED_ACTION_ERROR} events. */
    public static final String ERROR_SEND_FAILED = "sms_send_failed";
    /** Error of a send stopped by a per-user, per-number or per-address budget. */
    public static final String ERROR_LIMIT_REACHED = "sms_limit_reached";
    /** Error of a send stopped by the realm's hourly budget: the one to alert on. */
    public static final String ERROR_REALM_BUDGET_SPENT = "sms_realm_budget_spent";
    public static final String ERROR_FACTOR_BLOCKED = "sms_factor_blocked";
    public static final String ERROR_SECOND_STEP_NEEDED = "two_step_second_step_needed";
    public static final String ERROR_TRUSTED_DEVICE_REFUSED = "trusted_device_refused";
    public static final String ERROR_ENROLMENT_UNAVAILABLE = "two_step_enrolment_unavailable";
    public static final String ERROR_SECOND_STEP_MISSING = "two_step_second_step_missing";

    private TwoStepEvents() {
    }
}
