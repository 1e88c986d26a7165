package io.twostep.keycloak.trusteddevice;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.provider.TwoStepAuthenticatorFactory;

/** Registers {@code trusted-device-offer}, "Remember this device" (see {@link TrustedDeviceOfferAuthenticator}). */
public final class TrustedDeviceOfferAuthenticatorFactory extends TwoStepAuthenticatorFactory {

    /** Registers the step; Keycloak finds it through {@code META-INF/services}. */
    public TrustedDeviceOfferAuthenticatorFactory() {
        super(TwoStepIds.TRUSTED_DEVICE_OFFER, "Remember this device",
                "After the second step, offers to remember this browser for twoStep.trustedDeviceDays days "
                        + "(unticked by default). Place it after the second step's sub-flow.",
                new TrustedDeviceOfferAuthenticator());
    }
}
