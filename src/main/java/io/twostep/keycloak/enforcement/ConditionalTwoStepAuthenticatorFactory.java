package io.twostep.keycloak.enforcement;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.provider.TwoStepAuthenticatorFactory;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticator;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticatorFactory;

/**
 * Registers {@code conditional-two-step}, "Condition - two-step policy" (see {@link ConditionalTwoStepAuthenticator}).
 */
public final class ConditionalTwoStepAuthenticatorFactory extends TwoStepAuthenticatorFactory
        implements ConditionalAuthenticatorFactory {

    private static final ConditionalTwoStepAuthenticator CONDITION = new ConditionalTwoStepAuthenticator();

    /** Registers the condition; Keycloak finds it through {@code META-INF/services}. */
    public ConditionalTwoStepAuthenticatorFactory() {
        super(TwoStepIds.CONDITIONAL_TWO_STEP, "Condition - two-step policy",
                "True when the realm's two-step toggle is on or the user has set up a second factor.", CONDITION);
    }

    @Override
    public ConditionalAuthenticator getSingleton() {
        return CONDITION;
    }
}
