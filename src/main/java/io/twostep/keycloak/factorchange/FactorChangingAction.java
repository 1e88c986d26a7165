package io.twostep.keycloak.factorchange;

import org.keycloak.authentication.InitiatedActionSupport;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;

/**
 * An account action of this extension that changes how the user signs in (Set up SMS code, Forget remembered
 * devices): an application may start it ({@code kc_action}), and its page shows and its form is processed only in a
 * session that may change the user's factors ({@link FactorChangeGuard#permits}); from a session without that proof,
 * Keycloak asks to sign in again ({@link FactorChangeGuard#maxAuthAge}).
 */
public abstract class FactorChangingAction implements RequiredActionProvider {

    /** Shows the action's page, the guard having let it through. */
    protected abstract void challenge(RequiredActionContext context);

    /** Processes the action's form, the guard having let it through. */
    protected abstract void process(RequiredActionContext context);

    /**
     * @return the action's own maximum age of authentication in seconds, before the guard; Keycloak's rule (the
     *         configured <em>Maximum age of authentication</em>, else 300 seconds) unless overridden
     */
    protected int configuredMaxAuthAge(KeycloakSession session) {
        return RequiredActionProvider.super.getMaxAuthAge(session);
    }

    @Override
    public final void requiredActionChallenge(RequiredActionContext context) {
        if (FactorChangeGuard.permits(context)) {
            challenge(context);
        }
    }

    @Override
    public final void processAction(RequiredActionContext context) {
        if (FactorChangeGuard.permits(context)) {
            process(context);
        }
    }

    /**
     * @return {@link #configuredMaxAuthAge}, or -1 (sign in again, even in the second of the login) when the SSO
     *         session that starts the action has not passed a second step
     */
    @Override
    public final int getMaxAuthAge(KeycloakSession session) {
        return FactorChangeGuard.maxAuthAge(session, configuredMaxAuthAge(session));
    }

    /** @return supported: applications start the action with {@code kc_action} */
    @Override
    public InitiatedActionSupport initiatedActionSupport() {
        return InitiatedActionSupport.SUPPORTED;
    }

    /** Nothing: the action runs when an application or the policy asks for it, never on its own. */
    @Override
    public void evaluateTriggers(RequiredActionContext context) {
    }

    /** Nothing to release. */
    @Override
    public void close() {
    }
}
