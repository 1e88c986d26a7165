package io.twostep.keycloak.credential;

import io.twostep.keycloak.factorchange.FactorChangeGuard;
import io.twostep.keycloak.requiredaction.ConfigureSmsOtpFactory;
import org.keycloak.credential.CredentialInput;
import org.keycloak.credential.CredentialInputValidator;
import org.keycloak.credential.CredentialMetadata;
import org.keycloak.credential.CredentialModel;
import org.keycloak.credential.CredentialProvider;
import org.keycloak.credential.CredentialTypeMetadata;
import org.keycloak.credential.CredentialTypeMetadataContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

import java.util.Optional;

/**
 * Stores and lists {@code sms-otp} credentials. At most one per user: binding a new number replaces the old one.
 * Codes themselves are checked by the authenticator against the authentication session, so
 * {@link #isValid} accepts nothing.
 */
public final class SmsOtpCredentialProvider
        implements CredentialProvider<SmsOtpCredentialModel>, CredentialInputValidator {

    private final KeycloakSession session;

    SmsOtpCredentialProvider(KeycloakSession session) {
        this.session = session;
    }

    /**
     * @param user a user
     * @return the user's bound number, if any
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
        user.setSingleAttribute("phoneNumber", e164);
        user.setSingleAttribute("phoneNumberVerified", "true");
        return stored;
    }

    @Override
    public String getType() {
        return SmsOtpCredentialModel.TYPE;
    }

    @Override
    public CredentialModel createCredential(RealmModel realm, UserModel user, SmsOtpCredentialModel credential) {
        return user.credentialManager().createStoredCredential(credential);
    }

    @Override
    public boolean deleteCredential(RealmModel realm, UserModel user, String credentialId) {
        return user.credentialManager().removeStoredCredentialById(credentialId);
    }

    @Override
    public SmsOtpCredentialModel getCredentialFromModel(CredentialModel model) {
        return SmsOtpCredentialModel.from(model);
    }

    @Override
    public CredentialTypeMetadata getCredentialTypeMetadata(CredentialTypeMetadataContext metadataContext) {
        // The Account REST API removes a credential only after reading this: no removal without the second step.
        FactorChangeGuard.refuseRemovalByRequest(session, metadataContext.getUser());
        return CredentialTypeMetadata.builder()
                .type(getType())
                .category(CredentialTypeMetadata.Category.TWO_FACTOR)
                .displayName("sms-otp-display-name")
                .helpText("sms-otp-help-text")
                .iconCssClass("kcAuthenticatorOTPClass")
                .createAction(ConfigureSmsOtpFactory.ID)
                .removeable(true)
                .build(session);
    }

    /** The Account Console gets the number masked: a browser page needs no more to recognise it. */
    @Override
    public CredentialMetadata getCredentialMetadata(SmsOtpCredentialModel credential,
                                                    CredentialTypeMetadata credentialTypeMetadata) {
        CredentialMetadata metadata = new CredentialMetadata();
        metadata.setCredentialModel(credential.maskedForPresentation());
        return metadata;
    }

    @Override
    public boolean supportsCredentialType(String credentialType) {
        return SmsOtpCredentialModel.TYPE.equals(credentialType);
    }

    @Override
    public boolean isConfiguredFor(RealmModel realm, UserModel user, String credentialType) {
        return supportsCredentialType(credentialType) && boundNumber(user).isPresent();
    }

    @Override
    public boolean isValid(RealmModel realm, UserModel user, CredentialInput credentialInput) {
        return false;
    }
}
