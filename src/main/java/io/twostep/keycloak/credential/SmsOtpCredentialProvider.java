package io.twostep.keycloak.credential;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.factorchange.GuardedCredentialProvider;
import org.keycloak.credential.CredentialMetadata;
import org.keycloak.credential.CredentialModel;
import org.keycloak.credential.CredentialTypeMetadata;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

import java.util.Optional;

/**
 * Stores and lists {@code sms-otp} credentials. At most one per user: binding a new number replaces the old one.
 * Set up through the {@code configure-sms-otp} required action; codes themselves are checked by the steps against
 * the authentication session.
 */
public final class SmsOtpCredentialProvider extends GuardedCredentialProvider<SmsOtpCredentialModel> {

    SmsOtpCredentialProvider(KeycloakSession session) {
        super(session, SmsOtpCredentialModel.TYPE, "kcAuthenticatorOTPClass", TwoStepIds.CONFIGURE_SMS_OTP);
    }

    /**
     * @param user a user
     * @return the user's bound number, if any
     * @throws java.io.UncheckedIOException when the stored credential is not what this extension writes
     */
    public static Optional<SmsOtpCredentialModel> boundNumber(UserModel user) {
        return user.credentialManager().getStoredCredentialsByTypeStream(SmsOtpCredentialModel.TYPE)
                .findFirst().map(SmsOtpCredentialModel::from);
    }

    /**
     * Binds a proven number: removes any earlier {@code sms-otp} credential, stores the new one, and mirrors the
     * number into the {@code phoneNumber} / {@code phoneNumberVerified} attributes.
     *
     * @param e164 the number the user just proved, E.164 with {@code +}
     * @return the stored credential
     */
    public CredentialModel bind(RealmModel realm, UserModel user, String e164) {
        user.credentialManager().getStoredCredentialsByTypeStream(SmsOtpCredentialModel.TYPE).toList()
                .forEach(old -> user.credentialManager().removeStoredCredentialById(old.getId()));
        CredentialModel stored = createCredential(realm, user, SmsOtpCredentialModel.forNumber(e164));
        user.setSingleAttribute(TwoStepIds.PHONE_NUMBER, e164);
        user.setSingleAttribute(TwoStepIds.PHONE_NUMBER_VERIFIED, "true");
        return stored;
    }

    @Override
    public SmsOtpCredentialModel getCredentialFromModel(CredentialModel model) {
        return SmsOtpCredentialModel.from(model);
    }

    /** The Account Console gets the number masked: a browser page needs no more to recognise it. */
    @Override
    public CredentialMetadata getCredentialMetadata(SmsOtpCredentialModel credential,
                                                    CredentialTypeMetadata credentialTypeMetadata) {
        CredentialMetadata metadata = new CredentialMetadata();
        metadata.setCredentialModel(credential.maskedForPresentation());
        return metadata;
    }
}
