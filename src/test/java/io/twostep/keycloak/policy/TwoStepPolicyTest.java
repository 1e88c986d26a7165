package io.twostep.keycloak.policy;

import io.twostep.keycloak.policy.TwoStepPolicy.Enrolment;
import io.twostep.keycloak.policy.TwoStepSettings.Method;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TwoStepPolicyTest {

    @ParameterizedTest(name = "{0}, app={1}, sms={2} -> {3}")
    @CsvSource({
            "OTP, false, false, APP", "OTP, false, true, APP", "OTP, true, false, NONE",
            "SMS, false, false, SMS", "SMS, true, false, SMS", "SMS, false, true, NONE",
            "ANY, false, false, CHOICE", "ANY, true, false, NONE", "ANY, false, true, NONE"})
    void enrolmentFollowsTheMethod(Method method, boolean app, boolean sms, Enrolment expected) {
        TwoStepSettings on = new TwoStepSettings(true, method, 90, 0, 1000);
        assertEquals(expected, TwoStepPolicy.enrolment(on, app, sms, 2000).enrolment());
        assertTrue(TwoStepPolicy.secondStepRuns(on, app, sms));
    }

    @Test
    void toggleOffKeepsKeycloaksUsualBehaviour() {
        TwoStepSettings off = TwoStepSettings.DEFAULTS;
        assertEquals(Enrolment.NONE, TwoStepPolicy.enrolment(off, false, false, 0).enrolment());
        assertFalse(TwoStepPolicy.secondStepRuns(off, false, false));
        assertTrue(TwoStepPolicy.secondStepRuns(off, false, true), "self-enrolled users keep their factor");
        assertTrue(TwoStepPolicy.smsAccepted(off, true));
        assertFalse(TwoStepPolicy.smsAccepted(new TwoStepSettings(true, Method.OTP, 90, 0, 1), true));
        assertTrue(TwoStepPolicy.smsAccepted(new TwoStepSettings(true, Method.OTP, 90, 0, 1), false),
                "proof of the SMS factor before the app is set up");
    }

    @Test
    void graceEndsDaysAfterSwitchOn() {
        TwoStepSettings graced = new TwoStepSettings(true, Method.ANY, 90, 7, 1_000_000);
        TwoStepPolicy.Decision decision = TwoStepPolicy.enrolment(graced, false, false, 1_000_000);
        assertEquals(1_000_000 + 7 * 86_400L, decision.postponeUntil());
        assertTrue(decision.postponable(1_000_000 + 7 * 86_400L - 1));
        assertFalse(decision.postponable(1_000_000 + 7 * 86_400L));
        assertFalse(TwoStepPolicy.enrolment(graced, true, false, 1_000_000).postponable(1_000_000), "nothing to postpone");
        assertFalse(TwoStepPolicy.enrolment(new TwoStepSettings(true, Method.ANY, 90, 0, 1_000_000), false, false,
                1_000_000).postponable(1_000_000), "no grace period");
    }

    @Test
    void aGracePeriodNeedsBothItsDaysAndTheSwitchOnTime() {
        assertEquals(0, TwoStepPolicy.enrolment(new TwoStepSettings(true, Method.ANY, 90, 0, 1_000_000), false, false,
                1_000_000).postponeUntil(), "0 days: no grace");
        assertEquals(0, TwoStepPolicy.enrolment(new TwoStepSettings(true, Method.ANY, 90, 7, 0), false, false,
                1_000_000).postponeUntil(), "no switch-on time: no grace");
        assertEquals(1 + 86_400L, TwoStepPolicy.enrolment(new TwoStepSettings(true, Method.ANY, 90, 1, 1), false,
                false, 2).postponeUntil(), "the smallest grace from the earliest switch-on");
    }
}
