package io.twostep.keycloak.factorchange;

import org.keycloak.credential.CredentialProvider;
import org.keycloak.credential.CredentialTypeMetadata;
import org.keycloak.credential.CredentialTypeMetadataContext;
import org.keycloak.credential.OTPCredentialProvider;
import org.keycloak.credential.OTPCredentialProviderFactory;
import org.keycloak.credential.RecoveryAuthnCodesCredentialProvider;
import org.keycloak.credential.RecoveryAuthnCodesCredentialProviderFactory;
import org.keycloak.credential.WebAuthnCredentialProvider;
import org.keycloak.credential.WebAuthnCredentialProviderFactory;
import org.keycloak.credential.WebAuthnPasswordlessCredentialProvider;
import org.keycloak.credential.WebAuthnPasswordlessCredentialProviderFactory;
import org.keycloak.models.KeycloakSession;

/**
 * Keycloak's credential providers of the second-factor types (app, security key, passkey, recovery codes), each
 * refusing the Account REST API's {@code DELETE …/account/credentials/{id}} from a session that has not passed a
 * second step ({@link FactorChangeGuard#refuseRemovalByRequest}). Keycloak reads the type's metadata before it
 * removes a credential there, and nowhere else in that request, so the check sits in
 * {@code getCredentialTypeMetadata}; listing and everything else is Keycloak's. Each factory has the provider id of
 * Keycloak's and extends it, and so takes its place (see {@link GuardedRequiredActions}); each provider extends
 * Keycloak's class, which Keycloak's own code casts to.
 */
public final class GuardedCredentialProviders {

    private GuardedCredentialProviders() {
    }

    private static CredentialTypeMetadataContext checked(KeycloakSession session, CredentialTypeMetadataContext context) {
        FactorChangeGuard.refuseRemovalByRequest(session, context.getUser());
        return context;
    }

    /** {@code keycloak-otp}: authenticator apps. */
    public static final class Otp extends OTPCredentialProviderFactory {
        @Override
        public OTPCredentialProvider create(KeycloakSession session) {
            return new OTPCredentialProvider(session) {
                @Override
                public CredentialTypeMetadata getCredentialTypeMetadata(CredentialTypeMetadataContext context) {
                    return super.getCredentialTypeMetadata(checked(session, context));
                }
            };
        }
    }

    /** {@code keycloak-webauthn}: security keys. */
    public static final class SecurityKey extends WebAuthnCredentialProviderFactory {
        @Override
        public CredentialProvider create(KeycloakSession session) {
            return new WebAuthnCredentialProvider(session, getMetadataService(), createOrGetObjectConverter()) {
                @Override
                public CredentialTypeMetadata getCredentialTypeMetadata(CredentialTypeMetadataContext context) {
                    return super.getCredentialTypeMetadata(checked(session, context));
                }
            };
        }
    }

    /** {@code keycloak-webauthn-passwordless}: passkeys. */
    public static final class Passkey extends WebAuthnPasswordlessCredentialProviderFactory {
        @Override
        public CredentialProvider create(KeycloakSession session) {
            return new WebAuthnPasswordlessCredentialProvider(session, getMetadataService(),
                    createOrGetObjectConverter()) {
                @Override
                public CredentialTypeMetadata getCredentialTypeMetadata(CredentialTypeMetadataContext context) {
                    return super.getCredentialTypeMetadata(checked(session, context));
                }
            };
        }
    }

    /** {@code keycloak-recovery-authn-codes}: recovery codes. */
    public static final class RecoveryCodes extends RecoveryAuthnCodesCredentialProviderFactory {
        @Override
        public RecoveryAuthnCodesCredentialProvider create(KeycloakSession session) {
            return new RecoveryAuthnCodesCredentialProvider(session) {
                @Override
                public CredentialTypeMetadata getCredentialTypeMetadata(CredentialTypeMetadataContext context) {
                    return super.getCredentialTypeMetadata(checked(session, context));
                }
            };
        }
    }
}
