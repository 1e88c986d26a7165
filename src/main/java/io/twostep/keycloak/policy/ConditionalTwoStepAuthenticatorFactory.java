package io.twostep.keycloak.policy;

import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticator;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticatorFactory;

/**
 * {@code conditional-two-step} ("Condition - two-step policy"): true when the realm's toggle is on, or the user has
 * set up a second factor. Put it first in the conditional sub-flow that holds the second step, so admins can build
 * the policy into their own flows.
 */
public final class ConditionalTwoStepAuthenticatorFactory extends PolicyStepFactory
        implements ConditionalAuthenticatorFactory, ConditionalAuthenticator {

    /** Provider id. */
    public static final String ID = "conditional-two-step";

    @Override
    public boolean matchCondition(AuthenticationFlowContext context) {
        SecondFactors factors = SecondFactors.of(context.getUser());
        return TwoStepPolicy.secondStepRuns(TwoStepSettings.fromAttributes(context.getRealm().getAttributes()),
                factors.app(), factors.sms());
    }

    @Override
    public void action(AuthenticationFlowContext context) {
    }

    @Override
    public ConditionalAuthenticator getSingleton() {
        return this;
    }

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getDisplayType() {
        return "Condition - two-step policy";
    }

    @Override
    public String getHelpText() {
        return "True when the realm's two-step toggle is on or the user has set up a second factor.";
    }

}
