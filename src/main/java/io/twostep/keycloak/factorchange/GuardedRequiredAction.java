package io.twostep.keycloak.factorchange;

import org.keycloak.authentication.CredentialAction;
import org.keycloak.authentication.CredentialRegistrator;
import org.keycloak.authentication.InitiatedActionSupport;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * A set-up or delete action of Keycloak's, run behind {@link FactorChangeGuard}: the page shows and the form is
 * processed only for a session that may change the user's factors, otherwise the refusal shows; an application that
 * starts it from a session without the proof gets Keycloak's "sign in again". Everything else is the wrapped
 * action's.
 */
class GuardedRequiredAction implements RequiredActionProvider, CredentialAction {

    private final RequiredActionProvider delegate;

    /** @param delegate Keycloak's action, as its own factory creates it */
    GuardedRequiredAction(RequiredActionProvider delegate) {
        this.delegate = delegate;
    }

    @Override
    public void evaluateTriggers(RequiredActionContext context) {
        delegate.evaluateTriggers(context);
    }

    @Override
    public void requiredActionChallenge(RequiredActionContext context) {
        if (FactorChangeGuard.permits(context)) {
            delegate.requiredActionChallenge(context);
        }
    }

    @Override
    public void processAction(RequiredActionContext context) {
        if (FactorChangeGuard.permits(context)) {
            delegate.processAction(context);
        }
    }

    @Override
    public int getMaxAuthAge(KeycloakSession session) {
        return FactorChangeGuard.maxAuthAge(session, delegate.getMaxAuthAge(session));
    }

    @Override
    public InitiatedActionSupport initiatedActionSupport() {
        return delegate.initiatedActionSupport();
    }

    @Override
    public void initiatedActionCanceled(KeycloakSession session, AuthenticationSessionModel authSession) {
        delegate.initiatedActionCanceled(session, authSession);
    }

    /** The credential type the wrapped action sets up or deletes, for Keycloak's levels of authentication. */
    @Override
    public String getCredentialType(KeycloakSession session, AuthenticationSessionModel authenticationSession) {
        return delegate instanceof CredentialAction action
                ? action.getCredentialType(session, authenticationSession) : null;
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** The same for an action that sets up a credential, so Keycloak still sees it as one. */
    static final class Registrator extends GuardedRequiredAction implements CredentialRegistrator {

        Registrator(RequiredActionProvider delegate) {
            super(delegate);
        }
    }
}
