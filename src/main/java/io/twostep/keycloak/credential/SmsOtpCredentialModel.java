package io.twostep.keycloak.credential;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.phone.PhoneNumbers;
import io.twostep.keycloak.provider.StoredCredentials;
import org.keycloak.common.util.Time;
import org.keycloak.credential.CredentialModel;
import org.keycloak.util.JsonSerialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The {@code sms-otp} credential: a phone number the user proved by entering a code sent to it. Codes go only to
 * this number, never to the {@code phoneNumber} attribute (docs/security.md S13). Credential data:
 * {@code {"phoneNumber":"+4915123456789"}}; there is no secret.
 */
public final class SmsOtpCredentialModel extends CredentialModel {

    /** Credential type, also the authenticator's reference category. */
    public static final String TYPE = TwoStepIds.SMS_OTP_CREDENTIAL;

    /** Shape of the credential data. */
    public record Data(String phoneNumber) {
        @JsonCreator
        public Data(@JsonProperty("phoneNumber") String phoneNumber) {
            this.phoneNumber = phoneNumber;
        }
    }

    private final Data data;

    private SmsOtpCredentialModel(Data data) {
        this.data = data;
    }

    /**
     * @param e164 the proven number, E.164 with {@code +}
     * @return a new, unsaved credential labelled with the masked number
     */
    public static SmsOtpCredentialModel forNumber(String e164) {
        Data data = new Data(e164);
        return StoredCredentials.fillNew(new SmsOtpCredentialModel(data), TYPE, PhoneNumbers.mask(e164),
                Time.currentTimeMillis(), data, Map.of());
    }

    /**
     * @param stored a stored credential of type {@value #TYPE}
     * @return the typed view
     * @throws UncheckedIOException when its data is not the expected JSON
     */
    public static SmsOtpCredentialModel from(CredentialModel stored) {
        Data data;
        try {
            data = JsonSerialization.readValue(stored.getCredentialData(), Data.class);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable sms-otp credential data", e);
        }
        return StoredCredentials.copyInto(stored, new SmsOtpCredentialModel(data));
    }

    /** @return a copy whose credential data holds only the masked number, for pages outside the admin console */
    public SmsOtpCredentialModel maskedForPresentation() {
        SmsOtpCredentialModel copy = forNumber(phoneNumber());
        copy.setCredentialData(StoredCredentials.json(new Data(PhoneNumbers.mask(phoneNumber()))));
        copy.setId(getId());
        copy.setCreatedDate(getCreatedDate());
        copy.setUserLabel(getUserLabel());
        copy.setSecretData(null);
        return copy;
    }

    /** @return the proven number, E.164 with {@code +} */
    public String phoneNumber() {
        return data.phoneNumber();
    }
}
