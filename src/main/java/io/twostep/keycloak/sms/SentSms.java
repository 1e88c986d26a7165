package io.twostep.keycloak.sms;

/**
 * What a gateway reported for a message it accepted.
 *
 * @param messageId the gateway's id of the (first part of the) message, for audit; may be {@code "-"} when the
 *                  sender has none
 */
public record SentSms(String messageId) {
}
