package io.twostep.keycloak.otp;

/**
 * Names of the event details this extension adds. Every event it emits carries {@link #EVENT} saying which step it
 * records; numbers appear only masked (SECURITY.md S11, S27).
 */
public final class TwoStepEvents {

    /** Detail: which two-step event this is, one of the {@code *_SENT}, ... values below. */
    public static final String EVENT = "two_step_event";
    /** Detail: the destination, masked like {@code +49•••••••••89}. */
    public static final String MASKED_NUMBER = "phone_number_masked";
    /** Detail: the number a change replaced, masked. */
    public static final String PREVIOUS_MASKED_NUMBER = "previous_phone_number_masked";
    /** Detail: the gateway's message id. */
    public static final String MESSAGE_ID = "sms_message_id";
    /** Detail: why a send failed ({@code temporary}, {@code invalid_number}, {@code configuration}, {@code provider_down}). */
    public static final String REASON = "reason";
    /** Detail: the credential type involved. */
    public static final String CREDENTIAL_TYPE = "credential_type";

    public static final String CODE_SENT = "sms_code_sent";
    public static final String SEND_FAILED = "sms_send_failed";
    public static final String CODE_ACCEPTED = "sms_code_accepted";
    public static final String CODE_REFUSED = "sms_code_refused";
    public static final String NUMBER_BOUND = "sms_number_bound";

    /** Detail: which limit stopped a send ({@code user}, {@code number}, {@code ip}, {@code realm}). */
    public static final String LIMIT = "limit";
    public static final String LIMIT_HIT = "sms_limit_hit";
    public static final String FACTOR_BLOCKED = "sms_factor_blocked";
    /** Error codes of limit events; {@value #ERROR_REALM_BUDGET_SPENT} is the one to alert on. */
    public static final String ERROR_LIMIT_REACHED = "sms_limit_reached";
    public static final String ERROR_REALM_BUDGET_SPENT = "sms_realm_budget_spent";
    public static final String ERROR_FACTOR_BLOCKED = "sms_factor_blocked";

    /** Detail: the label of the remembered device involved, e.g. {@code Firefox on Linux, 2026-11-29}. */
    public static final String TRUSTED_DEVICE = "trusted_device";
    /** Detail on the login event: why a remembered device did not skip the second step (e.g. {@code prompt_login}). */
    public static final String TRUSTED_DEVICE_NOT_APPLIED = "trusted_device_not_applied";
    public static final String TRUSTED_DEVICE_USED = "trusted_device_used";
    public static final String TRUSTED_DEVICE_REFUSED = "trusted_device_refused";
    public static final String TRUSTED_DEVICE_REMEMBERED = "trusted_device_remembered";
    public static final String TRUSTED_DEVICES_FORGOTTEN = "trusted_devices_forgotten";
    /** Detail: how many records an action removed. */
    public static final String COUNT = "count";

    /** A recovery code was spent at login; detail {@link #REMAINING}. */
    public static final String RECOVERY_CODE_USED = "recovery_code_used";
    /** Detail: how many recovery codes the user has left. */
    public static final String REMAINING = "remaining";
    /** A second factor the user could no longer use was removed once they set up a new one after a recovery code. */
    public static final String SECOND_FACTOR_REPLACED = "second_factor_replaced";

    /** Changing the second step was refused: this session has not used the current one. */
    public static final String SECOND_STEP_NEEDED = "second_step_needed";
    public static final String ERROR_SECOND_STEP_NEEDED = "two_step_second_step_needed";

    /** Error code of a failed send on {@code LOGIN_ERROR} / {@code CUSTOM_REQUIRED_ACTION_ERROR} events. */
    public static final String ERROR_SEND_FAILED = "sms_send_failed";

    private TwoStepEvents() {
    }
}
