package io.twostep.keycloak.authenticator;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.provider.TwoStepAuthenticatorFactory;

/**
 * Registers {@code sms-otp-direct-grant-guard}, "Two-step guard (direct grant)", for direct-grant flows (see
 * {@link DirectGrantGuardAuthenticator}).
 */
public final class DirectGrantGuardAuthenticatorFactory extends TwoStepAuthenticatorFactory {

    /** Registers the step; Keycloak finds it through {@code META-INF/services}. */
    public DirectGrantGuardAuthenticatorFactory() {
        super(TwoStepIds.DIRECT_GRANT_GUARD, "Two-step guard (direct grant)",
                "Refuses a password grant for users whose second step cannot be done there (SMS only, or none while "
                        + "the realm requires two-step login).", new DirectGrantGuardAuthenticator());
    }

    /**
     * A category of its own: the brute-force detector counts failures of category {@code null} as bad passwords,
     * and a refused grant after a correct password is not one.
     */
    @Override
    public String getReferenceCategory() {
        return "two-step-guard";
    }
}
