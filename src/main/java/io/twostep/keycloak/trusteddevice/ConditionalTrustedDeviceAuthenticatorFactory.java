package io.twostep.keycloak.trusteddevice;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.provider.TwoStepAuthenticatorFactory;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticator;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticatorFactory;

/**
 * Registers {@code trusted-device}, "Condition - device not remembered" (see
 * {@link ConditionalTrustedDeviceAuthenticator}): put it among the conditions of the sub-flow that holds the second
 * step, after the password.
 */
public final class ConditionalTrustedDeviceAuthenticatorFactory extends TwoStepAuthenticatorFactory
        implements ConditionalAuthenticatorFactory {

    private static final ConditionalTrustedDeviceAuthenticator CONDITION = new ConditionalTrustedDeviceAuthenticator();

    /** Registers the condition; Keycloak finds it through {@code META-INF/services}. */
    public ConditionalTrustedDeviceAuthenticatorFactory() {
        super(TwoStepIds.TRUSTED_DEVICE_CONDITION, "Condition - device not remembered",
                "True unless this browser was remembered by this user after a second step (realm attribute "
                        + "twoStep.trustedDeviceDays). Place it after the password, among the conditions of the "
                        + "second step's sub-flow.", CONDITION);
    }

    @Override
    public ConditionalAuthenticator getSingleton() {
        return CONDITION;
    }

    /** The credential type, so the Account Console lists remembered devices while this condition is in a flow. */
    @Override
    public String getReferenceCategory() {
        return TrustedDeviceCredentialModel.TYPE;
    }
}
