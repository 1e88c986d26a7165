package io.twostep.keycloak.trusteddevice;

import io.twostep.keycloak.factorchange.GuardedCredentialProvider;
import org.keycloak.credential.CredentialMetadata;
import org.keycloak.credential.CredentialModel;
import org.keycloak.credential.CredentialTypeMetadata;
import org.keycloak.models.KeycloakSession;

/**
 * Lists {@code trusted-device} credentials in the Account Console ("Remembered devices", each removable) and in the
 * admin console's Credentials tab. Nothing can be set up from there: a device is remembered only by ticking the box
 * after a second step, and the {@code trusted-device} condition checks the cookie.
 */
public final class TrustedDeviceCredentialProvider extends GuardedCredentialProvider<TrustedDeviceCredentialModel> {

    TrustedDeviceCredentialProvider(KeycloakSession session) {
        super(session, TrustedDeviceCredentialModel.TYPE, "kcAuthenticatorDefaultClass", null);
    }

    /** @return the typed record; an unreadable one as a void record, still listed so that it can be removed */
    @Override
    public TrustedDeviceCredentialModel getCredentialFromModel(CredentialModel model) {
        try {
            return TrustedDeviceCredentialModel.from(model);
        } catch (RuntimeException e) {
            return TrustedDeviceCredentialModel.voided(model);
        }
    }

    /** Pages outside the admin console get neither the hash nor the factors fingerprint. */
    @Override
    public CredentialMetadata getCredentialMetadata(TrustedDeviceCredentialModel credential,
                                                    CredentialTypeMetadata credentialTypeMetadata) {
        CredentialModel shown = new CredentialModel();
        shown.setId(credential.getId());
        shown.setType(credential.getType());
        shown.setUserLabel(credential.getUserLabel());
        shown.setCreatedDate(credential.getCreatedDate());
        shown.setCredentialData("{\"expiresAt\":" + credential.expiresAt() + "}");
        CredentialMetadata metadata = new CredentialMetadata();
        metadata.setCredentialModel(shown);
        return metadata;
    }
}
