package io.twostep.keycloak.trusteddevice;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.provider.TwoStepRequiredActionFactory;

/**
 * Registers {@code forget-trusted-devices}, "Forget remembered devices" (see
 * {@link ForgetTrustedDevicesRequiredAction}).
 */
public final class ForgetTrustedDevicesRequiredActionFactory extends TwoStepRequiredActionFactory {

    /** Registers the action; Keycloak finds it through {@code META-INF/services}. */
    public ForgetTrustedDevicesRequiredActionFactory() {
        super(TwoStepIds.FORGET_TRUSTED_DEVICES, "Forget remembered devices", new ForgetTrustedDevicesRequiredAction());
    }
}
