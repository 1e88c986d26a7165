package io.twostep.keycloak.credential;

import org.junit.jupiter.api.Test;
import org.keycloak.events.Event;
import org.keycloak.events.EventType;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Which events count as a second step set up, and under which method. */
class EnrolmentMetricsListenerFactoryTest {

    private static Event event(EventType type, String error, String... details) {
        Event event = new Event();
        event.setType(type);
        event.setError(error);
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < details.length; i += 2) {
            map.put(details[i], details[i + 1]);
        }
        event.setDetails(map);
        return event;
    }

    @Test
    void aBoundNumberIsAnSmsEnrolment() {
        assertEquals("sms", EnrolmentMetricsListenerFactory.method(event(EventType.UPDATE_CREDENTIAL, null,
                "two_step_event", "sms_number_bound", "credential_type", "sms-otp")));
    }

    @Test
    void keycloaksAppAndRecoveryCodeSetUpsCountOnce() {
        assertEquals("otp", EnrolmentMetricsListenerFactory.method(event(EventType.UPDATE_CREDENTIAL, null,
                "credential_type", "otp")));
        assertNull(EnrolmentMetricsListenerFactory.method(event(EventType.UPDATE_TOTP, null,
                "credential_type", "otp")), "the deprecated twin of the same set-up");
        assertEquals("recovery_codes", EnrolmentMetricsListenerFactory.method(event(EventType.UPDATE_CREDENTIAL,
                null, "credential_type", "recovery-authn-codes")));
    }

    @Test
    void failuresAndOtherCredentialsAreNotEnrolments() {
        assertNull(EnrolmentMetricsListenerFactory.method(event(EventType.UPDATE_CREDENTIAL, "invalid_code",
                "credential_type", "otp")));
        assertNull(EnrolmentMetricsListenerFactory.method(event(EventType.UPDATE_CREDENTIAL, null,
                "credential_type", "trusted-device", "two_step_event", "trusted_device_remembered")));
        assertNull(EnrolmentMetricsListenerFactory.method(event(EventType.UPDATE_CREDENTIAL, null,
                "credential_type", "password")));
        assertNull(EnrolmentMetricsListenerFactory.method(event(EventType.LOGIN, null,
                "two_step_event", "sms_number_bound")));
        assertNull(EnrolmentMetricsListenerFactory.method(event(EventType.UPDATE_CREDENTIAL, null)));
    }
}
