package io.twostep.keycloak.notice;

import org.junit.jupiter.api.Test;
import org.keycloak.events.Event;
import org.keycloak.events.EventType;

import java.net.ConnectException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Which events become which notices, with which values; what a failure log line says. */
class SecurityNoticeListenerTest {

    private static Event event(EventType type, Map<String, String> details) {
        Event event = new Event();
        event.setType(type);
        event.setDetails(details);
        event.setTime(1_796_000_000_000L);
        event.setIpAddress("192.0.2.7");
        return event;
    }

    @Test
    void aFirstNumberAndAChangedNumberAreToldWithMaskedNumbers() {
        assertEquals(SecurityNotice.of(SecurityNotice.Kind.NUMBER_BOUND, "+49•••••••••89"),
                SecurityNoticeListenerFactory.notice(event(EventType.UPDATE_CREDENTIAL, Map.of(
                        "two_step_event", "sms_number_bound", "phone_number_masked", "+49•••••••••89"))));
        assertEquals(SecurityNotice.of(SecurityNotice.Kind.NUMBER_CHANGED, "+49•••••••••89", "+43•••••••67"),
                SecurityNoticeListenerFactory.notice(event(EventType.UPDATE_CREDENTIAL, Map.of(
                        "two_step_event", "sms_number_bound", "phone_number_masked", "+43•••••••67",
                        "previous_phone_number_masked", "+49•••••••••89"))));
    }

    @Test
    void aRememberedDeviceIsToldWithLabelTimeAndAddress() {
        assertEquals(SecurityNotice.of(SecurityNotice.Kind.DEVICE_REMEMBERED, "Firefox on Linux, 2026-11-29",
                        "2026-11-30 00:53 UTC", "192.0.2.7"),
                SecurityNoticeListenerFactory.notice(event(EventType.UPDATE_CREDENTIAL, Map.of(
                        "two_step_event", "trusted_device_remembered",
                        "trusted_device", "Firefox on Linux, 2026-11-29"))));
    }

    @Test
    void removedSecondFactorsAreToldButNotPasswordsOrDevices() {
        assertEquals(SecurityNotice.of(SecurityNotice.Kind.FACTOR_REMOVED, SecurityNotice.factorName("otp")),
                SecurityNoticeListenerFactory.notice(event(EventType.REMOVE_CREDENTIAL,
                        Map.of("credential_type", "otp"))));
        assertEquals(SecurityNotice.of(SecurityNotice.Kind.FACTOR_REMOVED, SecurityNotice.factorName("sms-otp")),
                SecurityNoticeListenerFactory.notice(event(EventType.REMOVE_CREDENTIAL,
                        Map.of("credential_type", "sms-otp"))));
        assertNull(SecurityNoticeListenerFactory.notice(event(EventType.REMOVE_CREDENTIAL,
                Map.of("credential_type", "password"))));
        assertNull(SecurityNoticeListenerFactory.notice(event(EventType.REMOVE_CREDENTIAL,
                Map.of("credential_type", "trusted-device"))));
        assertNull(SecurityNoticeListenerFactory.notice(event(EventType.REMOVE_TOTP, Map.of())),
                "Keycloak's older event beside REMOVE_CREDENTIAL would tell twice");
    }

    @Test
    void aBlockAndASpentRecoveryCodeAreTold() {
        assertEquals(SecurityNotice.of(SecurityNotice.Kind.SMS_BLOCKED),
                SecurityNoticeListenerFactory.notice(event(EventType.CUSTOM_REQUIRED_ACTION_ERROR,
                        Map.of("two_step_event", "sms_factor_blocked"))));
        assertEquals(SecurityNotice.of(SecurityNotice.Kind.RECOVERY_CODE_USED, 11),
                SecurityNoticeListenerFactory.notice(event(EventType.CUSTOM_REQUIRED_ACTION,
                        Map.of("two_step_event", "recovery_code_used", "remaining", "11"))));
        assertNull(SecurityNoticeListenerFactory.notice(event(EventType.CUSTOM_REQUIRED_ACTION,
                Map.of("two_step_event", "sms_code_sent"))));
        assertNull(SecurityNoticeListenerFactory.notice(event(EventType.LOGIN, null)));
    }

    @Test
    void templateValuesStartWithTheRealmAndArePadded() {
        SecurityNotice notice = SecurityNotice.of(SecurityNotice.Kind.FACTOR_REMOVED, SecurityNotice.factorName("otp"));
        assertEquals(List.of("Demo", "authenticator app", "", "", ""),
                notice.templateParams("Demo", key -> key.equals("twoStepNoticeFactor.otp") ? "authenticator app" : key));
    }

    @Test
    void aFailureIsDescribedByExceptionClassesOnly() {
        Exception e = new IllegalStateException("to alice@example.org",
                new RuntimeException("mail to alice@example.org", new ConnectException("refused")));
        assertEquals("IllegalStateException caused by RuntimeException caused by ConnectException",
                SecurityNotices.describe(e));
    }

    @Test
    void anEmailChangeByTheUserIsToldToThePreviousAddress() {
        Event profile = event(EventType.UPDATE_PROFILE, Map.of("previous_email", "mia@example.org",
                "updated_email", "someone@example.net"));
        assertEquals("mia@example.org", SecurityNoticeListenerFactory.previousAddress(profile));
        assertEquals("mia@example.org", SecurityNoticeListenerFactory.previousAddress(event(EventType.UPDATE_EMAIL,
                Map.of("previous_email", "mia@example.org", "updated_email", "someone@example.net"))));
        assertNull(SecurityNoticeListenerFactory.previousAddress(event(EventType.UPDATE_PROFILE,
                Map.of("updated_first_name", "Mia"))), "no e-mail change");
        assertNull(SecurityNoticeListenerFactory.previousAddress(event(EventType.UPDATE_PROFILE,
                Map.of("previous_email", "Mia@Example.org", "updated_email", "mia@example.org"))), "same address");
        assertNull(SecurityNoticeListenerFactory.previousAddress(event(EventType.UPDATE_PROFILE,
                Map.of("updated_email", "mia@example.org"))), "no address before: nobody to tell");
        Event failed = event(EventType.UPDATE_PROFILE, Map.of("previous_email", "mia@example.org",
                "updated_email", "someone@example.net"));
        failed.setError("invalid_email");
        assertNull(SecurityNoticeListenerFactory.previousAddress(failed));
        assertNull(SecurityNoticeListenerFactory.notice(profile), "no notice to the current address for it");
    }

    @Test
    void addressesAreMaskedToTheFirstCharacterAndTheDomain() {
        assertEquals("s•••@example.net", SecurityNotice.maskAddress("someone@example.net"));
        assertEquals("s•••@example.net", SecurityNotice.maskAddress(" s@example.net "));
        assertEquals("•••", SecurityNotice.maskAddress("no-at-sign"));
        assertEquals("•••", SecurityNotice.maskAddress("@example.net"));
        assertEquals("•••", SecurityNotice.maskAddress("someone@"));
        assertEquals("•••", SecurityNotice.maskAddress(null));
    }
}
