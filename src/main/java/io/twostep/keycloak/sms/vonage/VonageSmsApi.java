package io.twostep.keycloak.sms.vonage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.vonage.client.DynamicEndpoint;
import com.vonage.client.HttpWrapper;
import com.vonage.client.Jsonable;
import com.vonage.client.VonageApiResponseException;
import com.vonage.client.auth.ApiKeyHeaderAuthMethod;
import com.vonage.client.auth.SignatureAuthMethod;
import com.vonage.client.common.HttpMethod;
import com.vonage.client.sms.SmsSubmissionResponse;
import com.vonage.client.sms.messages.Message;

import java.io.IOException;

/**
 * Vonage's SMS API ({@code POST <rest base URI>/sms/json}) through the Vonage SDK: the SDK builds, signs or
 * authenticates and sends the request exactly as its {@code SmsClient} does (same endpoint, same accepted
 * authentication methods: signature first, then the API key and secret in the {@code Authorization} header, same
 * form encoding), and the answer is parsed into the SDK's own {@link SmsSubmissionResponse}. The one difference is
 * the parsing: the SDK builds a new Jackson {@code ObjectMapper} for every answer it parses (its
 * {@code Jsonable.updateFromJson}), which with the mapper's fresh caches costs milliseconds of CPU per SMS; here one
 * mapper with the SDK's own settings ({@link Jsonable#createDefaultObjectMapper()}) is built once and shared, which
 * Jackson allows once it is configured.
 */
final class VonageSmsApi {

    /** The SDK's settings, built once: Jackson mappers are thread-safe after configuration. */
    private static final ObjectMapper JSON = Jsonable.createDefaultObjectMapper();

    private final Endpoint endpoint;

    /** @param wrapper the SDK's HTTP wrapper: configuration, credentials and HTTP client */
    VonageSmsApi(HttpWrapper wrapper) {
        this.endpoint = new Endpoint(wrapper);
    }

    /**
     * Sends a message and reads the gateway's answer.
     *
     * @param message the SDK's message (text or unicode)
     * @return the answer, per message part
     * @throws VonageApiResponseException when the gateway answered with an HTTP status of 400 or more
     * @throws IOException                when the answer is not the SMS API's JSON
     * @throws RuntimeException           the SDK's other failures ({@code VonageMethodFailedException} for I/O
     *                                    errors and timeouts)
     */
    SmsSubmissionResponse submit(Message message) throws IOException {
        return parse(endpoint.execute(message));
    }

    /**
     * @param body the SMS API's JSON answer
     * @return it as the SDK's response class
     * @throws IOException when it is empty or not that JSON; its message may quote the answer (which holds the
     *                     number), so it is never logged
     */
    static SmsSubmissionResponse parse(String body) throws IOException {
        if (body == null || body.isBlank()) {
            throw new IOException("empty answer");
        }
        return JSON.readValue(body, SmsSubmissionResponse.class);
    }

    /** The SDK's SMS endpoint as its {@code SmsClient} configures it, answering with the body as text. */
    static final class Endpoint extends DynamicEndpoint<Message, String> {
        Endpoint(HttpWrapper wrapper) {
            super(DynamicEndpoint.<Message, String>builder(String.class)
                    .wrapper(wrapper)
                    .requestMethod(HttpMethod.POST)
                    .authMethod(SignatureAuthMethod.class, ApiKeyHeaderAuthMethod.class)
                    .urlFormEncodedContentType(true)
                    .pathGetter((endpoint, request) ->
                            endpoint.getHttpWrapper().getHttpConfig().getRestBaseUri() + "/sms/json"));
        }
    }
}
