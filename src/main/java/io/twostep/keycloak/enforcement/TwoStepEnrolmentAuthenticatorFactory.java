package io.twostep.keycloak.enforcement;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.provider.TwoStepAuthenticatorFactory;

/** Registers {@code two-step-enrolment}, "Two-step enrolment" (see {@link TwoStepEnrolmentAuthenticator}). */
public final class TwoStepEnrolmentAuthenticatorFactory extends TwoStepAuthenticatorFactory {

    /** Registers the step; Keycloak finds it through {@code META-INF/services}. */
    public TwoStepEnrolmentAuthenticatorFactory() {
        super(TwoStepIds.TWO_STEP_ENROLMENT, "Two-step enrolment",
                "Sends users without the second factor the realm requires to set it up (two-step policy).",
                new TwoStepEnrolmentAuthenticator());
    }
}
