package io.twostep.keycloak.credential;

import org.keycloak.credential.CredentialProvider;
import org.keycloak.credential.CredentialProviderFactory;
import org.keycloak.models.KeycloakSession;

/** Registers the {@code sms-otp} credential type with Keycloak. */
public final class SmsOtpCredentialProviderFactory implements CredentialProviderFactory<SmsOtpCredentialProvider> {

    /** Provider id (same as the credential type). */
    public static final String ID = SmsOtpCredentialModel.TYPE;

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public CredentialProvider create(KeycloakSession session) {
        return new SmsOtpCredentialProvider(session);
    }
}
