package io.twostep.keycloak.trusteddevice;

import org.keycloak.credential.CredentialProvider;
import org.keycloak.credential.CredentialProviderFactory;
import org.keycloak.models.KeycloakSession;

/** Registers the {@code trusted-device} credential type with Keycloak. */
public final class TrustedDeviceCredentialProviderFactory
        implements CredentialProviderFactory<TrustedDeviceCredentialProvider> {

    /** Provider id (same as the credential type). */
    public static final String ID = TrustedDeviceCredentialModel.TYPE;

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public CredentialProvider create(KeycloakSession session) {
        return new TrustedDeviceCredentialProvider(session);
    }
}
