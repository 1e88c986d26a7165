package io.twostep.keycloak.factorchange;

import org.keycloak.authentication.CredentialRegistrator;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.authentication.requiredactions.DeleteCredentialAction;
import org.keycloak.authentication.requiredactions.UpdateTotp;
import org.keycloak.authentication.requiredactions.WebAuthnPasswordlessRegisterFactory;
import org.keycloak.authentication.requiredactions.WebAuthnRegisterFactory;
import org.keycloak.models.KeycloakSession;

/**
 * Keycloak's own set-up and delete actions, put behind {@link FactorChangeGuard}. Each factory here has the provider
 * id of Keycloak's and extends its class, so it takes its place: when two factories share an id, Keycloak uses the
 * one with the higher {@code order()} and, at equal order, the one outside Keycloak's own packages (its
 * {@code ProviderManager}). Names, configuration (e.g. <em>Maximum age of authentication</em>), feature switches and
 * pages stay Keycloak's; only {@code create} wraps the action.
 */
public final class GuardedRequiredActions {

    private GuardedRequiredActions() {
    }

    /**
     * Puts an action behind the guard, for a factory elsewhere that takes the place of one of Keycloak's (the
     * recovery-code set-up, {@code CONFIGURE_RECOVERY_AUTHN_CODES}, is replaced by the {@code recovery} package's,
     * which adds its own triggers).
     *
     * @param delegate the action as Keycloak's factory creates it, or a wrapper of it
     * @return the guarded action; one that sets up a credential stays a {@link CredentialRegistrator}
     */
    public static RequiredActionProvider guarded(RequiredActionProvider delegate) {
        return delegate instanceof CredentialRegistrator ? new GuardedRequiredAction.Registrator(delegate)
                : new GuardedRequiredAction(delegate);
    }

    /** {@code CONFIGURE_TOTP}: set up an authenticator app. */
    public static final class ConfigureTotp extends UpdateTotp {
        @Override
        public RequiredActionProvider create(KeycloakSession session) {
            return new GuardedRequiredAction.Registrator(super.create(session));
        }
    }

    /** {@code webauthn-register}: register a security key. */
    public static final class SecurityKey extends WebAuthnRegisterFactory {
        @Override
        public RequiredActionProvider create(KeycloakSession session) {
            return new GuardedRequiredAction.Registrator(super.create(session));
        }
    }

    /** {@code webauthn-register-passwordless}: register a passkey. */
    public static final class Passkey extends WebAuthnPasswordlessRegisterFactory {
        @Override
        public RequiredActionProvider create(KeycloakSession session) {
            return new GuardedRequiredAction.Registrator(super.create(session));
        }
    }

    /** {@code delete_credential}: the Account Console's <em>Delete</em> of any credential. */
    public static final class DeleteCredential extends DeleteCredentialAction {
        @Override
        public RequiredActionProvider create(KeycloakSession session) {
            return new GuardedRequiredAction(super.create(session));
        }
    }
}
