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

    private final Reason reason;
    private final boolean retryable;

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
        super(detail);
        this.reason = reason;
        this.retryable = retryable;
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
