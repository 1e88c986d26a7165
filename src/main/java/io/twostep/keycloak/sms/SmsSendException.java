package io.twostep.keycloak.sms;

import java.util.Locale;

/**
 * A text message could not be sent. The {@link Reason} decides what the user is told; the detail is for the
 * server log and events and must never contain a code, a secret or a full phone number.
 */
public final class SmsSendException extends Exception {

    /** Why sending failed, grouped by what the user can do about it. */
    public enum Reason {
        /** The gateway is busy or throttling; trying again in a moment may work. */
        TEMPORARY,
        /** The gateway says this number cannot receive SMS (invalid, barred, deactivated). */
        INVALID_NUMBER,
        /** Our account or settings are wrong (credentials, sender id, credit, trial list); an admin must act. */
        CONFIGURATION,
        /** The gateway failed, answered garbage or did not answer within the timeout. */
        PROVIDER_DOWN;

        /** @return the lower-case name used in events, e.g. {@code invalid_number} */
        public String eventValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * How far a failed send got, which decides what the circuit breaker ({@link GatewayGuard}) and the SMS budgets
     * make of it, whatever the {@link Reason} the user is told.
     */
    public enum Stage {
        /**
         * The gateway was not called (circuit breaker open, every send slot busy, no sender configured, no text):
         * nothing was sent, so the SMS is given back to the hourly budgets (the login's own send stays used).
         */
        NOT_CALLED,
        /**
         * The gateway answered about this message with a status of its own (e.g. Vonage's per-message
         * {@code status}, even one not known here): the gateway is up, so this never counts toward opening the
         * circuit breaker, whichever number an attacker chose.
         */
        MESSAGE_REFUSED,
        /** The call failed: timeout, I/O error, an HTTP error status, or an answer that is not the API's. */
        CALL_FAILED
    }

    private final Reason reason;
    private final boolean retryable;
    private final Stage stage;

    /**
     * @param reason what kind of failure this is
     * @param detail a short, secret-free description (gateway status and its text, HTTP status, exception class)
     */
    public SmsSendException(Reason reason, String detail) {
        this(reason, detail, false);
    }

    /**
     * @param reason    what kind of failure this is
     * @param detail    a short, secret-free description
     * @param retryable whether the gateway surely did not send, so that one more try cannot double the SMS
     */
    public SmsSendException(Reason reason, String detail, boolean retryable) {
        this(reason, detail, retryable, Stage.CALL_FAILED);
    }

    /**
     * @param reason    what kind of failure this is
     * @param detail    a short, secret-free description
     * @param retryable whether the gateway surely did not send, so that one more try cannot double the SMS
     * @param stage     how far the send got
     */
    public SmsSendException(Reason reason, String detail, boolean retryable, Stage stage) {
        super(detail);
        this.reason = reason;
        this.retryable = retryable;
        this.stage = stage;
    }

    /** @return how far the send got; {@link Stage#CALL_FAILED} unless the thrower said otherwise */
    public Stage getStage() {
        return stage;
    }

    /** @return whether one immediate retry is safe and may help */
    public boolean isRetryable() {
        return retryable;
    }

    /** @return the kind of failure */
    public Reason getReason() {
        return reason;
    }
}
