package io.twostep.keycloak.support;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hour pin moves the clock only when a test would cross a full hour, and then to just past it. */
class HourPinTest {

    private static final long TEN_O_CLOCK = 1_764_496_800L; // 2025-11-30T10:00:00Z, a full hour

    @Test
    void leavesTheClockAloneWhenTheTestFitsBeforeTheNextHour() {
        assertEquals(0, HourPin.offsetToSafePoint(TEN_O_CLOCK, 1200));
        assertEquals(0, HourPin.offsetToSafePoint(TEN_O_CLOCK + 3600 - 1201, 1200));
    }

    @Test
    void movesToJustPastTheNextHourWhenTooLittleIsLeft() {
        assertEquals(1201, HourPin.offsetToSafePoint(TEN_O_CLOCK + 3600 - 1200, 1200));
        assertEquals(2, HourPin.offsetToSafePoint(TEN_O_CLOCK + 3599, 1200));
        long pinned = TEN_O_CLOCK + 3590 + HourPin.offsetToSafePoint(TEN_O_CLOCK + 3590, 1200);
        assertEquals(TEN_O_CLOCK + 3601, pinned);
        assertEquals(pinned / 3600, (pinned + 1200) / 3600, "the whole window is in one clock hour");
    }

    @Test
    void simulatedStartPutsTheClockThatFarBeforeAFullHour() {
        assertEquals(0, HourPin.simulatedStart(TEN_O_CLOCK, -1));
        long now = TEN_O_CLOCK + 123;
        long simulated = now + HourPin.simulatedStart(now, 5);
        assertEquals(3595, Math.floorMod(simulated, 3600));
        assertEquals(true, simulated >= now, "only forward");
    }
}
