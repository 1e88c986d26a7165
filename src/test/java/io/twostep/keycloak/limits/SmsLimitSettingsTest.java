package io.twostep.keycloak.limits;

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

    /** Each option's bounds, as the README lists them: the bound itself is allowed, one past it is refused. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
            "per-user-per-hour, 1, 100",
            "per-number-per-hour, 1, 100",
            "per-ip-per-hour, 1, 10000",
            "realm-per-hour, 1, 1000000",
            "failures-before-delay, 1, 19",
            "failures-before-block, 6, 100",
            "block-seconds, 60, 604800"})
    void eachOptionIsBoundedOnBothSides(String option, int lowest, int highest) {
        Map<String, String> low = Map.of(option, Integer.toString(lowest));
        Map<String, String> high = Map.of(option, Integer.toString(highest));
        assertEquals(lowest, valueOf(option, SmsLimitSettings.from(new MapScope(low))));
        assertEquals(highest, valueOf(option, SmsLimitSettings.from(new MapScope(high))));
        IllegalArgumentException below = assertThrows(IllegalArgumentException.class,
                () -> SmsLimitSettings.from(new MapScope(Map.of(option, Integer.toString(lowest - 1)))));
        assertTrue(below.getMessage().contains(option), below.getMessage());
        if (!option.equals("failures-before-delay")) { // its top is set by failures-before-block, below
            IllegalArgumentException above = assertThrows(IllegalArgumentException.class,
                    () -> SmsLimitSettings.from(new MapScope(Map.of(option, Integer.toString(highest + 1)))));
            assertTrue(above.getMessage().contains(option + " is " + (highest + 1)), above.getMessage());
        }
    }

    @Test
    void theDocumentedLimitsOfTheDelayAndBlockCounts() {
        assertThrows(IllegalArgumentException.class, () -> new SmsLimitSettings(10, 10, 50, 1000, 101, 100, 3600));
        assertEquals("sms-limits option failures-before-block is 1; allowed: 2 to 100", assertThrows(
                IllegalArgumentException.class, () -> new SmsLimitSettings(10, 10, 50, 1000, 1, 1, 3600)).getMessage());
        IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
                () -> new SmsLimitSettings(10, 10, 50, 1000, 5, 5, 3600));
        assertEquals("failures-before-delay must be below failures-before-block", same.getMessage());
        assertEquals(4, new SmsLimitSettings(10, 10, 50, 1000, 4, 5, 3600).failuresBeforeDelay());
    }

    @Test
    void optionsAreReadTrimmedAndBlankMeansTheDefault() {
        SmsLimitSettings read = SmsLimitSettings.from(new MapScope(Map.of("per-user-per-hour", " 7 ",
                "per-number-per-hour", "8", "per-ip-per-hour", "9", "realm-per-hour", "11",
                "failures-before-delay", "2", "failures-before-block", "3", "block-seconds", " ")));
        assertEquals(new SmsLimitSettings(7, 8, 9, 11, 2, 3, 3600), read);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SmsLimitSettings.from(new MapScope(Map.of("block-seconds", "1h"))));
        assertEquals("sms-limits option block-seconds is not a whole number: 1h", e.getMessage());
    }

    @Test
    void delayStartsExactlyAtTheThresholdOfAnySetting() {
        SmsLimitSettings settings = new SmsLimitSettings(10, 10, 50, 1000, 3, 50, 3600);
        assertEquals(0, settings.delayAfter(0));
        assertEquals(0, settings.delayAfter(2));
        assertEquals(15, settings.delayAfter(3));
        assertEquals(60, settings.delayAfter(5));
        assertEquals(300, settings.delayAfter(8));
        assertEquals(300, settings.delayAfter(40));
    }

    private static int valueOf(String option, SmsLimitSettings s) {
        return switch (option) {
            case "per-user-per-hour" -> s.perUserPerHour();
            case "per-number-per-hour" -> s.perNumberPerHour();
            case "per-ip-per-hour" -> s.perIpPerHour();
            case "realm-per-hour" -> s.realmPerHour();
            case "failures-before-delay" -> s.failuresBeforeDelay();
            case "failures-before-block" -> s.failuresBeforeBlock();
            case "block-seconds" -> s.blockSeconds();
            default -> throw new IllegalArgumentException(option);
        };
    }
}
