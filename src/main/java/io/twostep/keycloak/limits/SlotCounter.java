package io.twostep.keycloak.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A counter that stays exact under concurrent requests, on one node and across a cluster: every counted event
 * claims a numbered slot ({@code <name>.1}, {@code <name>.2}, …) with an atomic put-if-absent, so two requests can
 * never take the same slot and the count can never pass its maximum. A request that loses a race for slot
 * {@code n + 1} looks again and finds the count moved on; nothing is read, incremented and written back.
 *
 * <p>Slots are claimed lowest first, so the claimed slots normally form the run {@code 1..n}, and the count is found
 * with a galloping search (about {@code 2·log2(n)} look-ups), which for a large counter starts where this node last
 * found the count. A slot given back out of order leaves a gap; the search may then report a smaller count, and the
 * next claim fills the gap: the bound holds either way, because no slot number above the maximum is ever claimed.
 *
 * <p>A slot may carry a time stamp (epoch seconds), for rules such as "wait 30 s after the last send". The stamp is
 * written after the claim, and becomes visible when the claiming request commits. Until then a short-lived marker
 * ({@value #PENDING_SECONDS} s) says the claim is in flight, and the slot counts as claimed just now, which errs on
 * the side of waiting. A request that died before its commit leaves a slot without stamp or marker: it still counts,
 * but as claimed long ago, so it cannot make anyone wait for ever.
 */
public final class SlotCounter {

    /** Where slots live: Keycloak's {@code SingleUseObjectProvider} in production, see {@link SingleUseSlots}. */
    public interface Store {
        /**
         * Creates {@code key} unless it exists, atomically.
         *
         * @param lifespanSeconds how long the entry lives, in seconds (> 0)
         * @return whether this call created it
         */
        boolean putIfAbsent(String key, long lifespanSeconds);

        /** @return whether {@code key} exists */
        boolean contains(String key);

        /**
         * Records a time stamp on a slot this request has claimed; it may become visible to other requests only
         * when this request's transaction commits.
         *
         * @param epochSeconds the stamp
         */
        void stamp(String key, long lifespanSeconds, long epochSeconds);

        /** @return the slot's stamp in epoch seconds, or -1 when the slot has none (yet) or does not exist */
        long stampOf(String key);

        void remove(String key);
    }

    /** Decides, from the count and the last slot's stamp, how long a new claim must wait. */
    @FunctionalInterface
    public interface Gate {
        /** A gate that never makes a claim wait. */
        Gate OPEN = (count, lastStamp) -> 0;

        /**
         * @param count     slots claimed now
         * @param lastStamp stamp of slot {@code count} in epoch seconds ({@code 0} when the count is 0)
         * @return seconds the claim must wait; 0 or less lets it go ahead
         */
        long waitSeconds(int count, long lastStamp);
    }

    /**
     * What a {@link #claim} came to.
     *
     * @param slot        the slot number claimed (1-based), or 0 when none was
     * @param count       slots claimed after the call (the claimed one included)
     * @param waitSeconds when the gate refused: seconds to wait; otherwise 0
     */
    public record Claim(int slot, int count, long waitSeconds) {
        /** @return whether a slot was claimed */
        public boolean claimed() {
            return slot > 0;
        }

        /** @return whether the maximum was reached (nothing claimed, no wait would help) */
        public boolean full() {
            return slot == 0 && waitSeconds <= 0;
        }
    }

    /**
     * Where each large counter's count was last found on this node, by counter name: the next search starts there
     * (about 2 look-ups while the count moves little) instead of at slot 1 (about {@code 2·log2(n)}: some 26 for a
     * per-address budget of thousands, on every SMS). Only a hint: a search that finds the hinted slot no longer
     * claimed (expired, cleared, given back) starts at slot 1 again. Counts below {@value #HINTED_FROM} are not
     * kept; the map starts afresh at {@value #MAX_HINTS} names (the budgets' names carry the hour, so old ones stop
     * being used).
     */
    private static final Map<String, Integer> LAST_COUNTS = new ConcurrentHashMap<>();
    private static final int HINTED_FROM = 8;
    private static final int MAX_HINTS = 10_000;

    /** Slots above the count that {@link #clearCounted} removes as well, for requests still in flight. */
    public static final int IN_FLIGHT_MARGIN = 8;

    /** How long a claim counts as in flight without its stamp, in seconds. */
    public static final long PENDING_SECONDS = 60;

    private final Store store;
    private final String name;
    private final int max;
    private final long lifespanSeconds;

    /**
     * @param store           where slots live
     * @param name            the counter's key prefix, unique per counter and window (no personal data in clear)
     * @param max             the most slots that may ever be claimed, ≥ 1
     * @param lifespanSeconds how long each slot lives, in seconds (> 0)
     * @throws IllegalArgumentException when {@code max} or {@code lifespanSeconds} is not positive
     */
    public SlotCounter(Store store, String name, int max, long lifespanSeconds) {
        if (max < 1 || lifespanSeconds < 1) {
            throw new IllegalArgumentException("max and lifespanSeconds must be positive");
        }
        this.store = store;
        this.name = name;
        this.max = max;
        this.lifespanSeconds = lifespanSeconds;
    }

    /** @return slots claimed now, 0 to {@code max} */
    public int count() {
        Integer hint = LAST_COUNTS.get(name);
        int count = hint != null && hint <= max && store.contains(key(hint)) ? countFrom(hint) : countFrom(0);
        if (count >= HINTED_FROM) {
            if (LAST_COUNTS.size() >= MAX_HINTS) {
                LAST_COUNTS.clear();
            }
            LAST_COUNTS.put(name, count);
        }
        return count;
    }

    /**
     * The galloping search, upwards from a slot known to be claimed: probes {@code low + 1}, {@code low + 2},
     * {@code low + 4}, … until one is free (or past the maximum), then halves the gap.
     *
     * @param claimed a slot known to be claimed, or 0 when none is known
     */
    private int countFrom(int claimed) {
        if (claimed == 0 && !store.contains(key(1))) {
            return 0;
        }
        int low = Math.max(1, claimed); // known claimed
        long step = 1;
        long probe = low + 1L;
        while (probe <= max && store.contains(key((int) probe))) {
            low = (int) probe;
            step *= 2;
            probe = low + step;
        }
        int high = (int) Math.min(probe, (long) max + 1); // unclaimed, or past max
        // low is claimed; high is unclaimed or past max: find the last claimed in between.
        while (high - low > 1) {
            int middle = (low + high) >>> 1;
            if (store.contains(key(middle))) {
                low = middle;
            } else {
                high = middle;
            }
        }
        return low;
    }

    /**
     * @param now epoch seconds, used for a slot whose stamp cannot be read yet
     * @return the stamp of the last claimed slot, {@code 0} when none is claimed
     */
    public long lastStamp(long now) {
        return stampAt(count(), now);
    }

    /**
     * For a caller that has just read {@link #count()}: the stamp of that slot, without counting again.
     *
     * @param slot a slot number, or 0
     * @param now  epoch seconds, used for a claim still in flight
     * @return the slot's stamp; {@code 0} for slot 0 or a claim whose request died
     */
    public long stampOf(int slot, long now) {
        return stampAt(slot, now);
    }

    /**
     * Claims the next slot unless the maximum is reached or the gate says wait. Concurrent calls never claim the same
     * slot; a call that loses a race looks again, at most {@code max + 1} times.
     *
     * @param now  epoch seconds, handed to the gate for a last slot whose stamp cannot be read yet
     * @param gate the waiting rule
     * @return the claim
     */
    public Claim claim(long now, Gate gate) {
        for (int attempt = 0; attempt <= max; attempt++) {
            int count = count();
            if (count >= max) {
                return new Claim(0, count, 0);
            }
            if (gate != Gate.OPEN) {
                long wait = gate.waitSeconds(count, stampAt(count, now));
                if (wait > 0) {
                    return new Claim(0, count, wait);
                }
                // Before the slot, so that no reader ever sees the slot without a stamp or this marker.
                store.putIfAbsent(key(count + 1) + PENDING, Math.min(PENDING_SECONDS, lifespanSeconds));
            }
            if (store.putIfAbsent(key(count + 1), lifespanSeconds)) {
                return new Claim(count + 1, count + 1, 0);
            }
        }
        // Every look lost a race: so many concurrent claims that the counter is as good as full.
        return new Claim(0, max, 0);
    }

    /**
     * Records when a claimed slot was used; until then (and if the request fails before it commits) the slot counts
     * as claimed at the time it is read.
     *
     * @param slot         a slot number this request claimed
     * @param epochSeconds the time to record
     */
    public void stamp(int slot, long epochSeconds) {
        store.stamp(key(slot), lifespanSeconds, epochSeconds);
    }

    /**
     * Gives a slot back, e.g. when a later check refused what the slot was claimed for.
     *
     * @param slot a slot number this request claimed
     */
    public void release(int slot) {
        store.remove(key(slot));
    }

    /**
     * Removes every slot, highest first, so that the claimed slots stay one run while it happens. Every number up to
     * the maximum is removed, not only up to the count: a slot stamped by a request that was still in flight when an
     * earlier clear ran would otherwise stay behind a gap, unseen by the count.
     */
    public void clear() {
        clearFrom(max);
    }

    /**
     * The cheap {@link #clear} for a hot path (a right code): removes the counted slots and the few above them that
     * requests in flight may still be stamping ({@value #IN_FLIGHT_MARGIN}), not every number up to the maximum.
     * A slot left further behind a gap is removed by the next full {@link #clear} (an admin reset).
     */
    public void clearCounted() {
        clearFrom((int) Math.min(max, (long) count() + IN_FLIGHT_MARGIN));
    }

    private void clearFrom(int highest) {
        // A slot stamped after this clear by a request still in flight makes the slot again: a count searched from
        // slot 1 does not see it behind the gap, and neither must one searched from this node's hint.
        LAST_COUNTS.remove(name);
        for (int slot = highest; slot >= 1; slot--) {
            store.remove(key(slot));
        }
    }

    private long stampAt(int slot, long now) {
        if (slot == 0) {
            return 0;
        }
        long stamp = store.stampOf(key(slot));
        if (stamp >= 0) {
            return stamp;
        }
        // No stamp yet: claimed just now while the claim is in flight, else by a request that died long ago.
        return store.contains(key(slot) + PENDING) ? now : 0;
    }

    private static final String PENDING = ".pending";

    private String key(int slot) {
        return name + "." + slot;
    }
}
