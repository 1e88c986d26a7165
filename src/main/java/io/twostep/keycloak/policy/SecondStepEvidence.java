package io.twostep.keycloak.policy;

import io.twostep.keycloak.TwoStepIds;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.credential.OTPCredentialModel;
import org.keycloak.models.credential.WebAuthnCredentialModel;
import org.keycloak.sessions.AuthenticationSessionModel;

import java.util.Set;
import java.util.stream.Stream;

/**
 * Whether a second factor was actually used, read from what Keycloak records about executions: this login's
 * execution statuses, and the executions the user session completed (Keycloak's {@code authenticators-completed}
 * note, which a login through the SSO cookie carries over). A login by password reset or by a remembered device
 * has none.
 */
public final class SecondStepEvidence {

    /** Reference categories of second-factor authenticators: app, SMS, security key. */
    public static final Set<String> CATEGORIES = Set.of(OTPCredentialModel.TYPE, TwoStepIds.SMS_OTP_CREDENTIAL,
            WebAuthnCredentialModel.TYPE_TWOFACTOR);

    private SecondStepEvidence() {
    }

    /** @return whether a second-factor execution succeeded in this login */
    public static boolean inThisLogin(KeycloakSession session, RealmModel realm,
                                      AuthenticationSessionModel authSession) {
        return anyWithCategory(session, realm, authSession.getExecutionStatus().entrySet().stream()
                .filter(e -> e.getValue() == AuthenticationSessionModel.ExecutionStatus.SUCCESS)
                .map(java.util.Map.Entry::getKey), CATEGORIES);
    }

    /**
     * @param executionIds ids of executions that succeeded
     * @return whether one of them runs an authenticator of one of the reference categories
     */
    public static boolean anyWithCategory(KeycloakSession session, RealmModel realm, Stream<String> executionIds,
                                          Set<String> categories) {
        return executionIds
                .map(realm::getAuthenticationExecutionById)
                .filter(e -> e != null && e.getAuthenticator() != null)
                .map(AuthenticationExecutionModel::getAuthenticator)
                .map(id -> session.getKeycloakSessionFactory().getProviderFactory(Authenticator.class, id))
                .anyMatch(f -> f instanceof AuthenticatorFactory af && af.getReferenceCategory() != null
                        && categories.contains(af.getReferenceCategory()));
    }
}
