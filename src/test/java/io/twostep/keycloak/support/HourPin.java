package io.twostep.keycloak.support;

import org.keycloak.testframework.remote.timeoffset.TimeOffSet;

/**
 * Keeps a test that counts against hourly SMS budgets inside one clock hour of the server. The budgets are keyed by
 * clock hour, so a test running across xx:00 would see its counters reset half-way. {@link #pin} moves the server
 * clock (Keycloak's time offset) forward to just after the next full hour when fewer than {@link #NEEDED_SECONDS}
 * are left in the current one; otherwise it leaves the clock as it is.
 *
 * <p>{@link #awaitRoom} does the same for a server whose clock cannot be moved, by waiting.
 *
 * <p>{@code -Dtwostep.hourBoundaryIn=N} simulates a run that starts N seconds before a full hour: the server clock
 * is first set to that point, then pinned as usual.
 */
public final class HourPin {

    /** Seconds of server time a limit test may use, its own clock shifts included. */
    public static final int NEEDED_SECONDS = 20 * 60;
    private static final int HOUR = 3600;

    private HourPin() {
    }

    /**
     * Sets the server's time offset so that the next {@link #NEEDED_SECONDS} fall within one clock hour.
     *
     * @return the offset set, in seconds; shift the clock further only by adding to it
     */
    public static int pin(TimeOffSet timeOffSet) {
        long now = System.currentTimeMillis() / 1000;
        int offset = simulatedStart(now, Integer.getInteger("twostep.hourBoundaryIn", -1));
        offset += offsetToSafePoint(now + offset, NEEDED_SECONDS);
        timeOffSet.set(offset);
        return offset;
    }

    /**
     * For a server whose clock cannot be moved (the production-mode nodes of the cluster test): waits, when fewer than
     * {@code seconds} are left in the current clock hour, until one second past the next full hour.
     *
     * @param seconds the machine time the test needs within one clock hour, in seconds (below an hour)
     * @return seconds waited, 0 when they fit
     * @throws InterruptedException when interrupted while waiting
     */
    public static int awaitRoom(int seconds) throws InterruptedException {
        int wait = offsetToSafePoint(System.currentTimeMillis() / 1000, seconds);
        if (wait > 0) {
            Thread.sleep(wait * 1000L);
        }
        return wait;
    }

    /**
     * @param serverNow server time, epoch seconds
     * @param needed    seconds that must fit before the next full hour
     * @return 0 when they fit, else the seconds to one second past the next full hour
     */
    static int offsetToSafePoint(long serverNow, int needed) {
        int into = (int) Math.floorMod(serverNow, (long) HOUR);
        return into + needed < HOUR ? 0 : HOUR - into + 1;
    }

    /**
     * @param secondsBeforeHour where to start, in seconds before the next full hour; negative for "now"
     * @return the offset that puts {@code now} there (always forward)
     */
    static int simulatedStart(long now, int secondsBeforeHour) {
        if (secondsBeforeHour < 0) {
            return 0;
        }
        return (int) Math.floorMod(HOUR - secondsBeforeHour - now, (long) HOUR);
    }
}
