package io.twostep.keycloak.policy;

import io.twostep.keycloak.policy.TwoStepSettings.RecoveryCodes;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two account-recovery settings of {@link TwoStepSettings}: {@code recoveryCodes} and {@code notifications}. */
class RecoverySettingsTest {

    @Test
    void missingAttributesReadAsOfferAndNoticesOn() {
        TwoStepSettings read = TwoStepSettings.fromAttributes(Map.of());
        assertEquals(RecoveryCodes.OFFER, read.recoveryCodes());
        assertTrue(read.notifications());
        assertEquals(RecoveryCodes.OFFER, TwoStepSettings.DEFAULTS.recoveryCodes());
        assertTrue(TwoStepSettings.DEFAULTS.notifications());
    }

    @Test
    void unreadableAttributesReadAsTheStrictestValue() {
        TwoStepSettings read = TwoStepSettings.fromAttributes(Map.of(
                "twoStep.recoveryCodes", "sometimes", "twoStep.notifications", "no"));
        assertEquals(RecoveryCodes.REQUIRED, read.recoveryCodes(), "not the default offer");
        assertTrue(read.notifications(), "only false switches notices off");
        assertFalse(TwoStepSettings.fromAttributes(Map.of("twoStep.notifications", " False ")).notifications());
        assertEquals(RecoveryCodes.OFF, TwoStepSettings.fromAttributes(Map.of("twoStep.recoveryCodes",
                " OFF ")).recoveryCodes());
    }

    @Test
    void aPartialUpdateChangesOnlyItsKeys() {
        TwoStepSettings changed = TwoStepSettings.DEFAULTS.with(Map.of("recoveryCodes", "required"), 0);
        assertEquals(RecoveryCodes.REQUIRED, changed.recoveryCodes());
        assertTrue(changed.notifications());
        assertEquals(TwoStepSettings.DEFAULTS.method(), changed.method(), "the policy's keys keep their value");
        TwoStepSettings quiet = changed.with(Map.of("notifications", false), 0);
        assertEquals(RecoveryCodes.REQUIRED, quiet.recoveryCodes());
        assertFalse(quiet.notifications());
        assertEquals(quiet, changed.with(Map.of("notifications", "false"), 0), "the tab sends text");
        TwoStepSettings sms = quiet.with(Map.of("method", "sms"), 0);
        assertEquals(RecoveryCodes.REQUIRED, sms.recoveryCodes(), "a change of the policy keeps them");
        assertFalse(sms.notifications());
    }

    @Test
    void badValuesAreRefusedWithTheirName() {
        assertEquals("recoveryCodes must be one of off, offer, required; was: maybe",
                assertThrows(IllegalArgumentException.class,
                        () -> TwoStepSettings.DEFAULTS.with(Map.of("recoveryCodes", "maybe"), 0)).getMessage());
        assertEquals("notifications must be true or false; was: 1",
                assertThrows(IllegalArgumentException.class,
                        () -> TwoStepSettings.DEFAULTS.with(Map.of("notifications", 1), 0)).getMessage());
        Map<String, Object> nulls = new HashMap<>();
        nulls.put("recoveryCodes", null);
        assertThrows(IllegalArgumentException.class, () -> TwoStepSettings.DEFAULTS.with(nulls, 0));
    }

    @Test
    void attributesAndApiRoundTrip() {
        TwoStepSettings settings = TwoStepSettings.DEFAULTS.with(Map.of("recoveryCodes", "off",
                "notifications", false), 0);
        assertEquals(settings, TwoStepSettings.fromAttributes(settings.toAttributes()));
        assertEquals("off", settings.toAttributes().get("twoStep.recoveryCodes"));
        assertEquals("false", settings.toAttributes().get("twoStep.notifications"));
        assertEquals("off", settings.toApi().get("recoveryCodes"));
        assertEquals(false, settings.toApi().get("notifications"));
        assertEquals(settings, TwoStepSettings.DEFAULTS.with(settings.toApi(), 0), "a GET body PUT back");
    }
}
