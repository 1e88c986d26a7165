package io.twostep.keycloak.enforcement;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.provider.TwoStepRequiredActionFactory;

/** Registers {@code two-step-login-check}, "Two-step login check" (see {@link TwoStepLoginCheckRequiredAction}). */
public final class TwoStepLoginCheckRequiredActionFactory extends TwoStepRequiredActionFactory {

    /** What the admin console lists. */
    static final String DISPLAY_NAME = "Two-step login check";

    /** Registers the action; Keycloak finds it through {@code META-INF/services}. */
    public TwoStepLoginCheckRequiredActionFactory() {
        super(TwoStepIds.TWO_STEP_LOGIN_CHECK, DISPLAY_NAME, new TwoStepLoginCheckRequiredAction());
    }
}
