package io.twostep.keycloak.unit;

import io.twostep.keycloak.limits.SmsLimitSettings;
import io.twostep.keycloak.support.MapScope;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SmsLimitSettingsTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        assertEquals(new SmsLimitSettings(10, 10, 50, 1000, 5, 20, 3600), SmsLimitSettings.from(new MapScope(Map.of())));
    }

    @Test
    void outOfRangeOptionsStopStartUpWithTheirName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SmsLimitSettings.from(new MapScope(Map.of("failures-before-block", "101"))));
        assertTrue(e.getMessage().contains("failures-before-block"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SmsLimitSettings.from(new MapScope(Map.of("per-user-per-hour", "0"))));
        assertThrows(IllegalArgumentException.class,
                () -> SmsLimitSettings.from(new MapScope(Map.of("failures-before-delay", "20"))));
        assertThrows(IllegalArgumentException.class,
                () -> SmsLimitSettings.from(new MapScope(Map.of("realm-per-hour", "lots"))));
    }

    @Test
    void delayGrowsAfterTheThresholdAndIsCapped() {
        SmsLimitSettings settings = SmsLimitSettings.DEFAULTS;
        assertEquals(0, settings.delayAfter(4));
        assertEquals(15, settings.delayAfter(5));
        assertEquals(30, settings.delayAfter(6));
        assertEquals(240, settings.delayAfter(9));
        assertEquals(300, settings.delayAfter(10));
        assertEquals(300, settings.delayAfter(19));
    }
}
