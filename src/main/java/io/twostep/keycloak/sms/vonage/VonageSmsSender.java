package io.twostep.keycloak.sms.vonage;

import com.vonage.client.VonageApiResponseException;
import com.vonage.client.sms.MessageStatus;
import com.vonage.client.sms.SmsSubmissionResponse;
import com.vonage.client.sms.SmsSubmissionResponseMessage;
import com.vonage.client.sms.messages.TextMessage;
import io.twostep.keycloak.sms.GatewayGuard;
import io.twostep.keycloak.sms.Gsm7;
import io.twostep.keycloak.sms.SentSms;
import io.twostep.keycloak.sms.SmsSendException;
import io.twostep.keycloak.sms.SmsSendException.Reason;
import io.twostep.keycloak.sms.SmsSender;

import java.io.IOException;
import java.util.List;

/** Sends SMS through the Vonage SMS API with the factory's shared {@link VonageSmsApi}. */
final class VonageSmsSender implements SmsSender {

    private final VonageSmsApi api;
    private final String from;
    private final HttpStatusRecorder httpStatus;
    private final GatewayGuard guard;

    /**
     * @param api        the gateway, or {@code null} when the sender is not configured (every send then fails with
     *                   {@link Reason#CONFIGURATION})
     * @param from       sender id shown on phones
     * @param httpStatus the recorder of HTTP statuses installed in {@code api}'s HTTP client
     * @param guard      the factory's bound on concurrent sends and circuit breaker
     */
    VonageSmsSender(VonageSmsApi api, String from, HttpStatusRecorder httpStatus, GatewayGuard guard) {
        this.api = api;
        this.from = from;
        this.httpStatus = httpStatus;
        this.guard = guard;
    }

    /** Pause before the one retry of a refused send, in milliseconds. */
    static final long RETRY_BACKOFF_MS = 500;

    /**
     * Sends once, and once more after {@value #RETRY_BACKOFF_MS} ms when Vonage refused for a temporary reason
     * (throttled, internal error, HTTP 429 or 5xx) and so surely sent nothing. Timeouts and unreadable answers are
     * not retried: the SMS may have gone out. Goes through the factory's {@link GatewayGuard}: a bounded number of
     * sends at once, and none while the gateway is known to be down.
     */
    @Override
    public SentSms send(String to, String text) throws SmsSendException {
        return guard.send(() -> sendWithRetry(to, text));
    }

    private SentSms sendWithRetry(String to, String text) throws SmsSendException {
        try {
            return sendOnce(to, text);
        } catch (SmsSendException first) {
            if (!first.isRetryable()) {
                throw first;
            }
            try {
                Thread.sleep(RETRY_BACKOFF_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw first;
            }
            return sendOnce(to, text);
        }
    }

    private SentSms sendOnce(String to, String text) throws SmsSendException {
        if (api == null) {
            throw new SmsSendException(Reason.CONFIGURATION,
                    "vonage sender is not configured: set api-key and api-secret or signature-secret", false,
                    SmsSendException.Stage.NOT_CALLED);
        }
        TextMessage message = new TextMessage(from, to.startsWith("+") ? to.substring(1) : to, text,
                !Gsm7.canEncode(text));
        SmsSubmissionResponse response;
        httpStatus.clear();
        try {
            response = api.submit(message);
        } catch (IOException e) {
            // Not the SMS API's JSON (its message may quote the answer: not used).
            throw new SmsSendException(Reason.PROVIDER_DOWN, "vonage answer unreadable");
        } catch (VonageApiResponseException e) {
            // The SMS endpoint's errors often carry no status of their own: use what the wire said.
            int status = e.getStatusCode() != 0 ? e.getStatusCode() : httpStatus.last();
            throw httpFailure(status);
        } catch (RuntimeException e) {
            // VonageMethodFailedException (I/O, timeout) and the like.
            throw new SmsSendException(Reason.PROVIDER_DOWN, "vonage call failed: " + e.getClass().getSimpleName());
        }
        int status = httpStatus.last();
        if (status != 0 && (status < 200 || status > 299)) {
            throw httpFailure(status);
        }
        return checkEveryPart(response);
    }

    private static SmsSendException httpFailure(int status) {
        return new SmsSendException(VonageStatusMapping.forHttpStatus(status), "vonage answered HTTP " + status,
                status == 429 || status >= 500);
    }

    private static SentSms checkEveryPart(SmsSubmissionResponse response) throws SmsSendException {
        List<SmsSubmissionResponseMessage> parts = response == null ? null : response.getMessages();
        if (parts == null || parts.isEmpty()) {
            throw new SmsSendException(Reason.PROVIDER_DOWN, "vonage answered without message parts");
        }
        for (SmsSubmissionResponseMessage part : parts) {
            MessageStatus status = part.getStatus();
            if (status != MessageStatus.OK) {
                int code = status == null ? -1 : status.getMessageStatus();
                Reason reason = VonageStatusMapping.forStatus(code);
                // An answer about this message, whatever its status: the gateway is up (see GatewayGuard).
                throw new SmsSendException(reason, "vonage status " + code, reason == Reason.TEMPORARY,
                        SmsSendException.Stage.MESSAGE_REFUSED);
            }
        }
        return new SentSms(parts.get(0).getId());
    }
}
