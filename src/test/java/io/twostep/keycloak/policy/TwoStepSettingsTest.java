package io.twostep.keycloak.policy;

import io.twostep.keycloak.policy.TwoStepSettings.Method;
import io.twostep.keycloak.support.Fakes;
import org.junit.jupiter.api.Test;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TwoStepSettingsTest {

    @Test
    void missingAttributesReadAsDefaults() {
        assertEquals(TwoStepSettings.DEFAULTS, TwoStepSettings.fromAttributes(Map.of()));
        assertEquals(new TwoStepSettings(false, Method.ANY, 90, 0, 0), TwoStepSettings.DEFAULTS);
    }

    @Test
    void unreadableAttributesFallBackOneByOne() {
        TwoStepSettings read = TwoStepSettings.fromAttributes(Map.of("twoStep.required", "true",
                "twoStep.method", "carrier-pigeon", "twoStep.trustedDeviceDays", "7", "twoStep.requiredSince", "x"));
        assertEquals(new TwoStepSettings(true, Method.ANY, 7, 0, 0), read);
    }

    @Test
    void unreadableAttributesReadAsTheStrictestValueNeverTheDefault() {
        TwoStepSettings read = TwoStepSettings.fromAttributes(Map.of("twoStep.required", "yes",
                "twoStep.trustedDeviceDays", "off", "twoStep.enrolmentGraceDays", "-3"));
        assertEquals(new TwoStepSettings(true, Method.ANY, 0, 0, 0), read);
        assertEquals(0, TwoStepSettings.fromAttributes(Map.of("twoStep.trustedDeviceDays", "-1")).trustedDeviceDays(),
                "not the default 90");
        assertFalse(TwoStepSettings.fromAttributes(Map.of("twoStep.required", " False ")).required(),
                "case and spaces are no reason to read a boolean as unreadable");
    }

    @Test
    void switchingOnRecordsTheTimeAndOnlyThen() {
        TwoStepSettings on = TwoStepSettings.DEFAULTS.with(Map.of("required", true), 1000);
        assertEquals(1000, on.requiredSince());
        assertEquals(1000, on.with(Map.of("method", "otp"), 2000).requiredSince(), "staying on keeps the time");
        assertEquals(3000, on.with(Map.of("required", false), 2500).with(Map.of("required", true), 3000)
                .requiredSince());
    }

    @Test
    void attributesRoundTrip() {
        TwoStepSettings policy = new TwoStepSettings(true, Method.SMS, 0, 14, 1234);
        assertEquals(policy, TwoStepSettings.fromAttributes(policy.toAttributes()));
    }

    @Test
    void badValuesAreRefusedWithTheirName() {
        assertEquals("trustedDeviceDays must be a whole number from 0 to 365; was: 366",
                assertThrows(IllegalArgumentException.class,
                        () -> TwoStepSettings.DEFAULTS.with(Map.of("trustedDeviceDays", 366), 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> TwoStepSettings.DEFAULTS.with(Map.of("method", "OTPX"), 0));
        assertThrows(IllegalArgumentException.class, () -> TwoStepSettings.DEFAULTS.with(Map.of("required", 1), 0));
        assertThrows(IllegalArgumentException.class,
                () -> TwoStepSettings.DEFAULTS.with(Map.of("enrolmentGraceDays", "1.5"), 0));
    }

    @Test
    void daysRunFromZeroToThreeHundredSixtyFiveInclusive() {
        assertEquals(365, TwoStepSettings.DEFAULTS.with(Map.of("trustedDeviceDays", 365), 0).trustedDeviceDays());
        assertEquals(0, TwoStepSettings.DEFAULTS.with(Map.of("trustedDeviceDays", 0), 0).trustedDeviceDays());
        assertEquals(365, TwoStepSettings.DEFAULTS.with(Map.of("enrolmentGraceDays", "365"), 0).enrolmentGraceDays());
        assertEquals("enrolmentGraceDays must be a whole number from 0 to 365; was: -1",
                assertThrows(IllegalArgumentException.class,
                        () -> TwoStepSettings.DEFAULTS.with(Map.of("enrolmentGraceDays", -1), 0)).getMessage());
    }

    @Test
    void theApiShapeHasEveryKeyInOrder() {
        Map<String, Object> api = new TwoStepSettings(true, Method.OTP, 30, 3, 1234).toApi();
        assertEquals(java.util.List.of("required", "method", "trustedDeviceDays", "enrolmentGraceDays",
                "recoveryCodes", "notifications", "requiredSince"), java.util.List.copyOf(api.keySet()));
        assertEquals(java.util.List.of(true, "otp", 30, 3, "offer", true, 1234L),
                java.util.List.copyOf(api.values()));
    }

    @Test
    void theSettingsAreReadOncePerRequestAndAStoreKeepsThemCurrent() {
        Map<String, Object> sessionAttributes = new HashMap<>();
        KeycloakSession session = Fakes.of(KeycloakSession.class, Fakes.answers()
                .answering("getAttribute", args -> sessionAttributes.get((String) args[0]))
                .answering("setAttribute", args -> sessionAttributes.put((String) args[0], args[1])));
        Map<String, String> attributes = new HashMap<>(Map.of("twoStep.method", "sms", "other", "kept"));
        AtomicInteger reads = new AtomicInteger();
        RealmModel realm = Fakes.of(RealmModel.class, Fakes.answers().returning("getId", "r1")
                .answering("getAttributes", args -> {
                    reads.incrementAndGet();
                    return Map.copyOf(attributes);
                })
                .answering("setAttribute", args -> attributes.put((String) args[0], (String) args[1])));
        assertEquals(Method.SMS, TwoStepSettings.of(session, realm).method());
        attributes.put("twoStep.method", "otp"); // a raw write later in the same request is not seen
        assertEquals(Method.SMS, TwoStepSettings.of(session, realm).method());
        assertEquals(1, reads.get(), "read once");

        TwoStepSettings stored = TwoStepSettings.DEFAULTS.with(Map.of("trustedDeviceDays", 7), 0);
        stored.store(session, realm);
        assertEquals("7", attributes.get("twoStep.trustedDeviceDays"));
        assertEquals("kept", attributes.get("other"), "only twoStep.* attributes are written");
        assertEquals(stored, TwoStepSettings.of(session, realm));
        assertEquals(1, reads.get());
    }

    @Test
    void theSettingsAreOneListOfKeysWithTheirAttributes() {
        assertEquals(java.util.List.of("required", "method", "trustedDeviceDays", "enrolmentGraceDays",
                "recoveryCodes", "notifications"),
                java.util.Arrays.stream(TwoStepSettings.Setting.values()).map(TwoStepSettings.Setting::key).toList());
        assertEquals("twoStep.enrolmentGraceDays", TwoStepSettings.Setting.ENROLMENT_GRACE_DAYS.attribute());
        assertEquals(java.util.List.of("twoStep.required", "twoStep.method", "twoStep.trustedDeviceDays",
                "twoStep.enrolmentGraceDays", "twoStep.recoveryCodes", "twoStep.notifications",
                "twoStep.requiredSince"),
                java.util.List.copyOf(TwoStepSettings.DEFAULTS.toAttributes().keySet()));
    }

    @Test
    void lifetimesCarryTheirUnit() {
        TwoStepSettings settings = new TwoStepSettings(true, Method.ANY, 30, 2, 0);
        assertEquals(Duration.ofDays(30), settings.trustedDeviceLifetime());
        assertEquals(Duration.ofDays(2), settings.enrolmentGracePeriod());
        assertEquals(1234, settings.withRequiredSince(1234).requiredSince());
    }

    @Test
    void aClientMayPutBackWhatItGotButNothingElse() {
        TwoStepSettings on = new TwoStepSettings(true, Method.ANY, 90, 0, 1234);
        Map<String, Object> got = new HashMap<>(on.toApi());
        got.put("requiredSince", 99);
        got.put("method", "otp");
        assertEquals(new TwoStepSettings(true, Method.OTP, 90, 0, 1234), on.with(got, 5000),
                "requiredSince is the server's to record");
        assertEquals("unknown setting: twoStep.method",
                assertThrows(IllegalArgumentException.class, () -> on.with(Map.of("twoStep.method", "otp"), 0))
                        .getMessage());
    }
}
