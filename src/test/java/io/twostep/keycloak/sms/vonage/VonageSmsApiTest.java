package io.twostep.keycloak.sms.vonage;

import com.vonage.client.Jsonable;
import com.vonage.client.sms.MessageStatus;
import com.vonage.client.sms.SmsSubmissionResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Our parsing of the SMS API's answer gives what the SDK's own parsing gives, with one shared mapper. */
class VonageSmsApiTest {

    private static final String TWO_PARTS = "{\"message-count\":\"2\",\"messages\":["
            + "{\"to\":\"4915199900001\",\"message-id\":\"0A0000000123ABCD1\",\"status\":\"0\","
            + "\"remaining-balance\":\"3.14159265\",\"message-price\":\"0.03330000\",\"network\":\"26201\","
            + "\"client-ref\":\"my-ref\",\"account-ref\":\"customer1234\"},"
            + "{\"to\":\"4915199900001\",\"status\":\"9\",\"error-text\":\"Partner quota exceeded\"}]}";

    @Test
    void answerIsReadAsTheSdkReadsIt() throws IOException {
        SmsSubmissionResponse ours = VonageSmsApi.parse(TWO_PARTS);
        SmsSubmissionResponse sdks = Jsonable.fromJson(TWO_PARTS, SmsSubmissionResponse.class);
        assertEquals(sdks, ours); // the SDK's equals compares every field, the parts' too
        assertEquals(2, ours.getMessageCount());
        assertEquals("0A0000000123ABCD1", ours.getMessages().get(0).getId());
        assertEquals(MessageStatus.OK, ours.getMessages().get(0).getStatus());
        assertEquals(MessageStatus.PARTNER_QUOTA_EXCEEDED, ours.getMessages().get(1).getStatus());
        assertEquals("Partner quota exceeded", ours.getMessages().get(1).getErrorText());
    }

    @Test
    void unknownFieldsAreIgnoredAsTheSdkDoes() throws IOException {
        SmsSubmissionResponse ours = VonageSmsApi.parse(
                "{\"message-count\":\"1\",\"new-field\":{\"x\":1},\"messages\":[{\"status\":\"0\",\"message-id\":\"m\"}]}");
        assertEquals("m", ours.getMessages().get(0).getId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "<html><body>Bad gateway</body></html>", "{\"messages\":"})
    void somethingElseThanTheApisJsonIsUnreadable(String body) {
        assertThrows(IOException.class, () -> VonageSmsApi.parse(body));
    }
}
