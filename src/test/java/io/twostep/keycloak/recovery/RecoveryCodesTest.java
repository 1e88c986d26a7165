package io.twostep.keycloak.recovery;

import io.twostep.keycloak.policy.TwoStepSettings;
import io.twostep.keycloak.policy.TwoStepSettings.Method;
import org.junit.jupiter.api.Test;

import static io.twostep.keycloak.policy.TwoStepSettings.RecoveryCodes.OFF;
import static io.twostep.keycloak.policy.TwoStepSettings.RecoveryCodes.OFFER;
import static io.twostep.keycloak.policy.TwoStepSettings.RecoveryCodes.REQUIRED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which set-up follows a recovery code, and when a realm that requires codes asks for them. */
class RecoveryCodesTest {

    private static TwoStepSettings policy(boolean on, Method method) {
        return new TwoStepSettings(on, method, 90, 0, 0);
    }

    @Test
    void afterARecoveryCodeTheSmsPageComesWhichAlsoOffersTheApp() {
        assertEquals("configure-sms-otp", RecoveryCodes.setUpAfterRecovery(policy(false, Method.ANY), true, true));
        assertEquals("configure-sms-otp", RecoveryCodes.setUpAfterRecovery(policy(true, Method.ANY), true, true));
        assertEquals("configure-sms-otp", RecoveryCodes.setUpAfterRecovery(policy(true, Method.SMS), true, true));
    }

    @Test
    void aRealmThatRequiresTheAppSendsTheUserToTheAppsSetUp() {
        assertEquals("CONFIGURE_TOTP", RecoveryCodes.setUpAfterRecovery(policy(true, Method.OTP), true, true));
        assertNull(RecoveryCodes.setUpAfterRecovery(policy(true, Method.OTP), true, false),
                "never an SMS number where the policy asks for the app");
    }

    @Test
    void withoutTheSmsActionTheAppIsTheWayUnlessThePolicyInsistsOnSms() {
        assertEquals("CONFIGURE_TOTP", RecoveryCodes.setUpAfterRecovery(policy(false, Method.ANY), false, true));
        assertNull(RecoveryCodes.setUpAfterRecovery(policy(true, Method.SMS), false, true));
        assertNull(RecoveryCodes.setUpAfterRecovery(policy(false, Method.ANY), false, false));
    }

    @Test
    void codesAreRequiredOnlyFromUsersWithAFactorNoCodesAndAProvenSecondStep() {
        assertTrue(RecoveryCodes.requiredNow(REQUIRED, true, false, true));
        assertFalse(RecoveryCodes.requiredNow(OFFER, true, false, true), "offer asks only after a first set-up");
        assertFalse(RecoveryCodes.requiredNow(OFF, true, false, true));
        assertFalse(RecoveryCodes.requiredNow(REQUIRED, false, false, true), "no factor: the enrolment comes first");
        assertFalse(RecoveryCodes.requiredNow(REQUIRED, true, true, true), "has codes");
        assertFalse(RecoveryCodes.requiredNow(REQUIRED, true, false, false),
                "a remembered device let the login in: the guard would refuse the page");
    }
}
