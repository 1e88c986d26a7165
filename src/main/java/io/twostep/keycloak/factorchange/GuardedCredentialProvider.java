package io.twostep.keycloak.factorchange;

import org.keycloak.credential.CredentialInput;
import org.keycloak.credential.CredentialInputValidator;
import org.keycloak.credential.CredentialModel;
import org.keycloak.credential.CredentialProvider;
import org.keycloak.credential.CredentialTypeMetadata;
import org.keycloak.credential.CredentialTypeMetadataContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/**
 * A credential type of this extension ({@code sms-otp}, {@code trusted-device}): stored in Keycloak's credential
 * store, listed as a two-factor type in the Account Console with the messages {@code <type>-display-name} and
 * {@code <type>-help-text}, removable there only from a session that passed a second step
 * ({@link FactorChangeGuard#refuseRemovalByRequest}). Nothing is checked through {@link #isValid}: the steps check
 * codes and cookies against the authentication session themselves.
 *
 * @param <T> the typed view of a stored credential
 */
public abstract class GuardedCredentialProvider<T extends CredentialModel>
        implements CredentialProvider<T>, CredentialInputValidator {

    /** The request's session. */
    protected final KeycloakSession session;
    private final String type;
    private final String iconCssClass;
    private final String createAction;

    /**
     * @param type         the credential type, also the provider id
     * @param iconCssClass the Account Console's icon class
     * @param createAction the required action that sets one up, or {@code null} when users cannot set one up there
     */
    protected GuardedCredentialProvider(KeycloakSession session, String type, String iconCssClass,
                                        String createAction) {
        this.session = session;
        this.type = type;
        this.iconCssClass = iconCssClass;
        this.createAction = createAction;
    }

    @Override
    public final String getType() {
        return type;
    }

    @Override
    public final CredentialModel createCredential(RealmModel realm, UserModel user, T credential) {
        return user.credentialManager().createStoredCredential(credential);
    }

    @Override
    public final boolean deleteCredential(RealmModel realm, UserModel user, String credentialId) {
        return user.credentialManager().removeStoredCredentialById(credentialId);
    }

    /**
     * The Account REST API removes a credential only after reading this, so the removal check sits here: no removal
     * without the second step.
     *
     * @throws jakarta.ws.rs.ForbiddenException on a removal from a session that has not passed a second step
     */
    @Override
    public final CredentialTypeMetadata getCredentialTypeMetadata(CredentialTypeMetadataContext metadataContext) {
        FactorChangeGuard.refuseRemovalByRequest(session, metadataContext.getUser());
        return CredentialTypeMetadata.builder()
                .type(type)
                .category(CredentialTypeMetadata.Category.TWO_FACTOR)
                .displayName(type + "-display-name")
                .helpText(type + "-help-text")
                .iconCssClass(iconCssClass)
                .createAction(createAction)
                .removeable(true)
                .build(session);
    }

    @Override
    public final boolean supportsCredentialType(String credentialType) {
        return type.equals(credentialType);
    }

    /** @return whether the user has a stored credential of this type */
    @Override
    public final boolean isConfiguredFor(RealmModel realm, UserModel user, String credentialType) {
        return supportsCredentialType(credentialType)
                && user.credentialManager().getStoredCredentialsByTypeStream(credentialType).findAny().isPresent();
    }

    /** @return {@code false}: nothing is checked through the credential store */
    @Override
    public final boolean isValid(RealmModel realm, UserModel user, CredentialInput credentialInput) {
        return false;
    }
}
