package io.twostep.keycloak.policy;

import io.twostep.keycloak.policy.AccountRecoverySettings.RecoveryCodes;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccountRecoverySettingsTest {

    @Test
    void missingAttributesReadAsOfferAndNoticesOn() {
        AccountRecoverySettings read = AccountRecoverySettings.fromAttributes(Map.of());
        assertEquals(AccountRecoverySettings.DEFAULTS, read);
        assertEquals(RecoveryCodes.OFFER, read.recoveryCodes());
        assertTrue(read.notifications());
    }

    @Test
    void unreadableAttributesReadAsTheStrictestValue() {
        AccountRecoverySettings read = AccountRecoverySettings.fromAttributes(Map.of(
                "twoStep.recoveryCodes", "sometimes", "twoStep.notifications", "no"));
        assertEquals(RecoveryCodes.REQUIRED, read.recoveryCodes(), "not the default offer");
        assertTrue(read.notifications(), "only false switches notices off");
        assertFalse(AccountRecoverySettings.fromAttributes(Map.of("twoStep.notifications", " False "))
                .notifications());
        assertEquals(RecoveryCodes.OFF, AccountRecoverySettings.fromAttributes(Map.of("twoStep.recoveryCodes",
                " OFF ")).recoveryCodes());
    }

    @Test
    void aPartialUpdateChangesOnlyItsKeys() {
        AccountRecoverySettings changed = AccountRecoverySettings.DEFAULTS.with(Map.of("recoveryCodes", "required"));
        assertEquals(new AccountRecoverySettings(RecoveryCodes.REQUIRED, true), changed);
        assertEquals(new AccountRecoverySettings(RecoveryCodes.REQUIRED, false),
                changed.with(Map.of("notifications", false)));
        assertEquals(new AccountRecoverySettings(RecoveryCodes.REQUIRED, false),
                changed.with(Map.of("notifications", "false")), "the tab sends text");
        assertEquals(changed, changed.with(Map.of("method", "sms")), "other keys are the policy's");
    }

    @Test
    void badValuesAreRefusedWithTheirName() {
        assertEquals("recoveryCodes must be one of off, offer, required; was: maybe",
                assertThrows(IllegalArgumentException.class,
                        () -> AccountRecoverySettings.DEFAULTS.with(Map.of("recoveryCodes", "maybe"))).getMessage());
        assertEquals("notifications must be true or false; was: 1",
                assertThrows(IllegalArgumentException.class,
                        () -> AccountRecoverySettings.DEFAULTS.with(Map.of("notifications", 1))).getMessage());
        Map<String, Object> nulls = new HashMap<>();
        nulls.put("recoveryCodes", null);
        assertThrows(IllegalArgumentException.class, () -> AccountRecoverySettings.DEFAULTS.with(nulls));
    }

    @Test
    void ownKeysLeaveThePolicysKeysOut() {
        assertEquals(Map.of("notifications", true),
                AccountRecoverySettings.ownKeys(Map.of("notifications", true, "required", true)));
    }

    @Test
    void attributesRoundTrip() {
        AccountRecoverySettings settings = new AccountRecoverySettings(RecoveryCodes.OFF, false);
        assertEquals(settings, AccountRecoverySettings.fromAttributes(settings.toAttributes()));
        assertEquals(Map.of("twoStep.recoveryCodes", "off", "twoStep.notifications", "false"),
                settings.toAttributes());
        assertEquals(Map.of("recoveryCodes", "off", "notifications", false), settings.toApi());
    }
}
