package io.twostep.keycloak.trusteddevice;

import io.twostep.keycloak.factorchange.FactorChangeGuard;
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

/**
 * Lists {@code trusted-device} credentials in the Account Console ("Remembered devices", each removable) and in the
 * admin console's Credentials tab. Nothing can be set up from there: a device is remembered only by ticking the box
 * after a second step. {@link #isValid} accepts nothing; the {@code trusted-device} condition checks the cookie.
 */
public final class TrustedDeviceCredentialProvider
        implements CredentialProvider<TrustedDeviceCredentialModel>, CredentialInputValidator {

    private final KeycloakSession session;

    TrustedDeviceCredentialProvider(KeycloakSession session) {
        this.session = session;
    }

    @Override
    public String getType() {
        return TrustedDeviceCredentialModel.TYPE;
    }

    @Override
    public CredentialModel createCredential(RealmModel realm, UserModel user, TrustedDeviceCredentialModel credential) {
        return user.credentialManager().createStoredCredential(credential);
    }

    @Override
    public boolean deleteCredential(RealmModel realm, UserModel user, String credentialId) {
        return user.credentialManager().removeStoredCredentialById(credentialId);
    }

    @Override
    public TrustedDeviceCredentialModel getCredentialFromModel(CredentialModel model) {
        try {
            return TrustedDeviceCredentialModel.from(model);
        } catch (RuntimeException e) {
            return TrustedDeviceCredentialModel.voided(model); // still listed, so it can be removed
        }
    }

    @Override
    public CredentialTypeMetadata getCredentialTypeMetadata(CredentialTypeMetadataContext metadataContext) {
        // The Account REST API removes a credential only after reading this: no removal without the second step.
        FactorChangeGuard.refuseRemovalByRequest(session, metadataContext.getUser());
        return CredentialTypeMetadata.builder()
                .type(getType())
                .category(CredentialTypeMetadata.Category.TWO_FACTOR)
                .displayName("trusted-device-display-name")
                .helpText("trusted-device-help-text")
                .iconCssClass("kcAuthenticatorDefaultClass")
                .removeable(true)
                .build(session);
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

    @Override
    public boolean supportsCredentialType(String credentialType) {
        return TrustedDeviceCredentialModel.TYPE.equals(credentialType);
    }

    @Override
    public boolean isConfiguredFor(RealmModel realm, UserModel user, String credentialType) {
        return supportsCredentialType(credentialType)
                && user.credentialManager().getStoredCredentialsByTypeStream(credentialType).findAny().isPresent();
    }

    @Override
    public boolean isValid(RealmModel realm, UserModel user, CredentialInput credentialInput) {
        return false;
    }
}
