package io.twostep.keycloak.recovery;

import io.twostep.keycloak.factorchange.FactorChangeGuard;
import io.twostep.keycloak.policy.SecondFactors;
import io.twostep.keycloak.policy.TwoStepSettings;
import org.keycloak.authentication.CredentialAction;
import org.keycloak.authentication.CredentialRegistrator;
import org.keycloak.authentication.InitiatedActionSupport;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * Keycloak's recovery-code set-up with the trigger of {@code twoStep.recoveryCodes=required}
 * ({@link RecoveryCodesActionFactory}); page and processing stay Keycloak's.
 *
 * @param delegate the action as Keycloak's factory creates it
 */
record RecoveryCodesAction(RequiredActionProvider delegate) implements RequiredActionProvider, CredentialRegistrator {

    @Override
    public void evaluateTriggers(RequiredActionContext context) {
        delegate.evaluateTriggers(context);
        if (context.getUser() == null || context.getUser().getServiceAccountClientLink() != null) {
            return;
        }
        TwoStepSettings.RecoveryCodes setting =
                TwoStepSettings.of(context.getSession(), context.getRealm()).recoveryCodes();
        if (setting != TwoStepSettings.RecoveryCodes.REQUIRED) {
            return;
        }
        SecondFactors factors = SecondFactors.of(context.getUser());
        if (RecoveryCodes.requiredNow(setting, factors.app() || factors.sms(), RecoveryCodes.has(context.getUser()),
                FactorChangeGuard.mayChange(context))
                && RecoveryCodes.offered(context.getSession(), context.getRealm())) {
            context.getAuthenticationSession().addRequiredAction(RecoveryCodes.ACTION);
        }
    }

    @Override
    public void requiredActionChallenge(RequiredActionContext context) {
        delegate.requiredActionChallenge(context);
    }

    @Override
    public void processAction(RequiredActionContext context) {
        delegate.processAction(context);
    }

    @Override
    public InitiatedActionSupport initiatedActionSupport() {
        return delegate.initiatedActionSupport();
    }

    @Override
    public void initiatedActionCanceled(KeycloakSession session, AuthenticationSessionModel authSession) {
        delegate.initiatedActionCanceled(session, authSession);
    }

    @Override
    public int getMaxAuthAge(KeycloakSession session) {
        return delegate.getMaxAuthAge(session);
    }

    @Override
    public String getCredentialType(KeycloakSession session, AuthenticationSessionModel authenticationSession) {
        return delegate instanceof CredentialAction action
                ? action.getCredentialType(session, authenticationSession) : null;
    }

    @Override
    public void close() {
        delegate.close();
    }
}
