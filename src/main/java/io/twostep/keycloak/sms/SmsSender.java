package io.twostep.keycloak.sms;

import org.keycloak.provider.Provider;

/**
 * Sends one text message to one phone number. Implementations talk to an SMS gateway (Vonage) or, in
 * development, to the server log.
 *
 * <p>Implementations must never log the message text or the full number: the text carries a one-time code.
 */
public interface SmsSender extends Provider {

    /**
     * Sends a text message.
     *
     * @param to      destination in E.164 with a leading {@code +}, e.g. {@code +4915123456789}
     * @param text    the message; may hold characters outside the GSM 03.38 alphabet (then sent as unicode)
     * @return what the gateway reported back; never {@code null}
     * @throws SmsSendException when the gateway refused or could not be reached; the message was not sent
     */
    SentSms send(String to, String text) throws SmsSendException;

    @Override
    default void close() {
    }
}
