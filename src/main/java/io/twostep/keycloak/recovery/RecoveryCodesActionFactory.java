package io.twostep.keycloak.recovery;

import io.twostep.keycloak.factorchange.FactorChangeGuard;
import io.twostep.keycloak.factorchange.GuardedRequiredActions;
import io.twostep.keycloak.policy.AccountRecoverySettings;
import io.twostep.keycloak.policy.SecondFactors;
import org.keycloak.authentication.CredentialAction;
import org.keycloak.authentication.CredentialRegistrator;
import org.keycloak.authentication.InitiatedActionSupport;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.authentication.requiredactions.RecoveryAuthnCodesAction;
import org.keycloak.models.KeycloakSession;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * {@code CONFIGURE_RECOVERY_AUTHN_CODES}, Keycloak's recovery-code set-up, behind the factor-change guard
 * ({@link GuardedRequiredActions#guarded}), and with a trigger: with {@code twoStep.recoveryCodes=required}, a
 * login that proved a second step, by a user who has an app or an SMS number but no recovery codes, sets them up
 * before it completes. It has Keycloak's provider id and extends its factory, so it takes its place; page,
 * configuration and feature switch stay Keycloak's.
 */
public final class RecoveryCodesActionFactory extends RecoveryAuthnCodesAction {

    @Override
    public RequiredActionProvider create(KeycloakSession session) {
        return GuardedRequiredActions.guarded(new WithTrigger(super.create(session)));
    }

    /** Keycloak's action, with the trigger of {@code twoStep.recoveryCodes=required}. */
    private record WithTrigger(RequiredActionProvider delegate) implements RequiredActionProvider,
            CredentialRegistrator {

        @Override
        public void evaluateTriggers(RequiredActionContext context) {
            delegate.evaluateTriggers(context);
            if (context.getUser() == null || context.getUser().getServiceAccountClientLink() != null) {
                return;
            }
            AccountRecoverySettings.RecoveryCodes setting =
                    AccountRecoverySettings.fromAttributes(context.getRealm().getAttributes()).recoveryCodes();
            if (setting != AccountRecoverySettings.RecoveryCodes.REQUIRED) {
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
}
