package io.twostep.keycloak.enforcement;

import io.twostep.keycloak.metrics.TwoStepMetrics;
import io.twostep.keycloak.policy.SecondFactors;
import io.twostep.keycloak.policy.TwoStepPolicy;
import io.twostep.keycloak.policy.TwoStepSettings;
import io.twostep.keycloak.provider.PolicyStepAuthenticator;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticator;

/**
 * Condition - two-step policy: true when the realm's toggle is on, or the user has set up a second factor
 * ({@link TwoStepPolicy#secondStepRuns}). Put it first in the conditional sub-flow that holds the second step, so
 * admins can build the policy into their own flows.
 */
final class ConditionalTwoStepAuthenticator extends PolicyStepAuthenticator implements ConditionalAuthenticator {

    @Override
    public boolean matchCondition(AuthenticationFlowContext context) {
        SecondFactors factors = SecondFactors.of(context.getUser());
        boolean runs = TwoStepPolicy.secondStepRuns(TwoStepSettings.of(context.getSession(), context.getRealm()),
                factors.app(), factors.sms());
        if (!runs) {
            TwoStepMetrics.policy(context.getAuthenticationSession(), context.getRealm().getName(),
                    TwoStepMetrics.PolicyOutcome.NOT_REQUIRED);
        }
        return runs;
    }
}
