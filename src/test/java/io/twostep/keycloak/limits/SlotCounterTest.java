package io.twostep.keycloak.limits;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlotCounterTest {

    private final MemorySlots store = new MemorySlots();

    @Test
    void countsUpToTheMaximumAndNoFurther() {
        SlotCounter counter = new SlotCounter(store, "c", 7, 60);
        for (int i = 1; i <= 7; i++) {
            SlotCounter.Claim claim = counter.claim(1000, SlotCounter.Gate.OPEN);
            assertEquals(i, claim.slot());
            assertEquals(i, counter.count());
        }
        SlotCounter.Claim refused = counter.claim(1000, SlotCounter.Gate.OPEN);
        assertFalse(refused.claimed());
        assertTrue(refused.full());
        assertEquals(7, refused.count());
        assertEquals(7, store.size());
    }

    @Test
    void countIsFoundForEveryFillOfALargeCounter() {
        SlotCounter counter = new SlotCounter(store, "big", 1000, 60);
        for (int i = 1; i <= 1000; i++) {
            counter.claim(1000, SlotCounter.Gate.OPEN);
            assertEquals(i, counter.count());
        }
        assertTrue(counter.claim(1000, SlotCounter.Gate.OPEN).full());
    }

    @Test
    void aLargeCountIsFoundAgainInAFewLookUps() {
        String name = "hinted-" + UUID.randomUUID();
        SlotCounter counter = new SlotCounter(store, name, 10_000, 60);
        for (int i = 1; i <= 5000; i++) {
            store.putIfAbsent(name + "." + i, 60);
        }
        int before = store.lookUps();
        assertEquals(5000, counter.count());
        int first = store.lookUps() - before;
        assertTrue(first >= 20, "the first search starts at slot 1: " + first + " look-ups");

        assertEquals(5001, counter.claim(1000, SlotCounter.Gate.OPEN).slot());
        before = store.lookUps();
        assertEquals(5001, new SlotCounter(store, name, 10_000, 60).count()); // another request, the same node
        assertTrue(store.lookUps() - before <= 4, (store.lookUps() - before) + " look-ups");
    }

    @Test
    void aHintToASlotNoLongerClaimedIsNotBelieved() {
        String name = "stale-" + UUID.randomUUID();
        SlotCounter counter = new SlotCounter(store, name, 100, 60);
        for (int i = 1; i <= 40; i++) {
            counter.claim(1000, SlotCounter.Gate.OPEN);
        }
        assertEquals(40, counter.count());
        counter.clear();
        assertEquals(0, counter.count());
        for (int i = 1; i <= 3; i++) {
            assertEquals(i, counter.claim(1000, SlotCounter.Gate.OPEN).slot());
        }
        assertEquals(3, counter.count());
        // The same name in another store (another cluster's cache, or the slots expired): the hint is only a start.
        MemorySlots other = new MemorySlots();
        assertEquals(0, new SlotCounter(other, name, 100, 60).count());
        assertEquals(1, new SlotCounter(other, name, 100, 60).claim(1000, SlotCounter.Gate.OPEN).slot());
    }

    @Test
    void aHintAboveALowerMaximumIsNotUsed() {
        String name = "max-" + UUID.randomUUID();
        for (int i = 1; i <= 30; i++) {
            store.putIfAbsent(name + "." + i, 60);
        }
        assertEquals(30, new SlotCounter(store, name, 100, 60).count());
        // The setting was lowered: the count never passes the new maximum.
        assertEquals(10, new SlotCounter(store, name, 10, 60).count());
        assertTrue(new SlotCounter(store, name, 10, 60).claim(1000, SlotCounter.Gate.OPEN).full());
    }

    @Test
    void gateMakesAClaimWaitFromTheLastStamp() {
        SlotCounter counter = new SlotCounter(store, "g", 3, 60);
        SlotCounter.Gate thirtySeconds = (count, last) -> count == 0 ? 0 : last + 30 - 1010;
        SlotCounter.Claim first = counter.claim(1000, thirtySeconds);
        assertEquals(1, first.slot());
        // Not stamped yet: counts as claimed just now.
        assertEquals(1010, counter.lastStamp(1010));
        counter.stamp(first.slot(), 1000);
        SlotCounter.Claim early = counter.claim(1010, thirtySeconds);
        assertFalse(early.claimed());
        assertFalse(early.full());
        assertEquals(20, early.waitSeconds());
        assertEquals(2, counter.claim(1030, (count, last) -> last + 30 - 1030).slot());
    }

    @Test
    void aSlotGivenBackIsClaimedAgainAndTheBoundHolds() {
        SlotCounter counter = new SlotCounter(store, "r", 4, 60);
        for (int i = 0; i < 4; i++) {
            counter.claim(1000, SlotCounter.Gate.OPEN);
        }
        counter.release(2); // a gap in the middle
        assertEquals(2, counter.claim(1000, SlotCounter.Gate.OPEN).slot());
        assertTrue(counter.claim(1000, SlotCounter.Gate.OPEN).full());
        assertEquals(4, store.size());
    }

    @Test
    void clearEmptiesTheCounter() {
        SlotCounter counter = new SlotCounter(store, "x", 5, 60);
        counter.claim(1000, SlotCounter.Gate.OPEN);
        counter.claim(1000, SlotCounter.Gate.OPEN);
        counter.clear();
        assertEquals(0, counter.count());
        assertEquals(0, store.size());
        assertEquals(1, counter.claim(1000, SlotCounter.Gate.OPEN).slot());
    }

    /** A request that died between its claim and its commit cannot make anyone wait for ever. */
    @Test
    void aClaimThatNeverGotItsStampStopsCountingAsRecentOnceItsMarkerIsGone() {
        SlotCounter counter = new SlotCounter(store, "died", 5, 60);
        SlotCounter.Gate thirtySeconds = (count, last) -> count == 0 ? 0 : last + 30 - 5000;
        counter.claim(1000, (count, last) -> 0); // never stamped: the request died
        assertFalse(counter.claim(5000, thirtySeconds).claimed(), "in flight: counts as claimed just now");
        store.expirePending();
        assertEquals(2, counter.claim(5000, thirtySeconds).slot(), "died long ago: no wait, but it still counts");
    }

    /** A slot stamped after a clear stands behind a gap; the next clear still removes it. */
    @Test
    void clearRemovesASlotLeftBehindAGap() {
        SlotCounter counter = new SlotCounter(store, "stray", 5, 60);
        for (int i = 0; i < 5; i++) {
            counter.claim(1000, SlotCounter.Gate.OPEN);
        }
        counter.clear();
        counter.stamp(5, 1001); // a wrong code's stamp committed after a right code's clear
        assertEquals(0, counter.count());
        counter.clear();
        assertEquals(0, store.size(), "no slot left behind");
    }

    /** The hot-path clear removes the counted slots and those just above, not every number up to the maximum. */
    @Test
    void clearCountedRemovesTheCountAndTheSlotsJustAbove() {
        SlotCounter counter = new SlotCounter(store, "hot", 100, 60);
        for (int i = 0; i < 3; i++) {
            counter.claim(1000, SlotCounter.Gate.OPEN);
        }
        counter.stamp(3 + SlotCounter.IN_FLIGHT_MARGIN, 1001); // a stamp of a try still in flight
        counter.stamp(50, 1001); // far behind a gap: only an admin's full clear reaches it
        counter.clearCounted();
        assertEquals(1, store.size());
        counter.clear();
        assertEquals(0, store.size());
    }

    @Test
    void refusesMeaninglessBounds() {
        assertThrows(IllegalArgumentException.class, () -> new SlotCounter(store, "n", 0, 60));
        assertThrows(IllegalArgumentException.class, () -> new SlotCounter(store, "n", 3, 0));
    }

    /** 48 threads released at once, 10 claims each, against a maximum of 25: exactly 25 succeed. */
    @Test
    void concurrentClaimsNeverPassTheMaximum() throws Exception {
        int threads = 48;
        SlotCounter counter = new SlotCounter(store, "burst", 25, 60);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            results.add(pool.submit(() -> {
                start.await();
                int won = 0;
                for (int i = 0; i < 10; i++) {
                    if (counter.claim(1000, SlotCounter.Gate.OPEN).claimed()) {
                        won++;
                    }
                }
                return won;
            }));
        }
        start.countDown();
        int total = 0;
        for (Future<Integer> result : results) {
            total += result.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(25, total);
        assertEquals(25, counter.count());
        assertEquals(25, store.size());
    }

    /** With a gate, concurrent claims after the first wait: one claim per cooldown, however many arrive. */
    @Test
    void concurrentClaimsThroughAGateTakeOneSlot() throws Exception {
        SlotCounter counter = new SlotCounter(store, "cool", 3, 60);
        counter.stamp(counter.claim(1000, SlotCounter.Gate.OPEN).slot(), 1000);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            results.add(pool.submit(() -> {
                start.await();
                return counter.claim(1030, (count, last) -> last + 30 - 1030).claimed();
            }));
        }
        start.countDown();
        int won = 0;
        for (Future<Boolean> result : results) {
            won += result.get(30, TimeUnit.SECONDS) ? 1 : 0;
        }
        pool.shutdown();
        assertEquals(1, won, "the winner's slot is not stamped yet, so the others see it as taken just now");
    }

    @Test
    void aFullCounterWhoseMaximumIsAPowerOfTwoCountsItsLastSlot() {
        SlotCounter counter = new SlotCounter(store, "p", 4, 60);
        for (int i = 1; i <= 4; i++) {
            counter.claim(1000, SlotCounter.Gate.OPEN);
        }
        assertEquals(4, counter.count());
        assertTrue(counter.claim(1000, SlotCounter.Gate.OPEN).full());
    }

    @Test
    void theSmallestBoundsAreAllowed() {
        SlotCounter one = new SlotCounter(store, "one", 1, 1);
        assertTrue(one.claim(1000, SlotCounter.Gate.OPEN).claimed());
        assertTrue(one.claim(1000, SlotCounter.Gate.OPEN).full());
    }

    @Test
    void aStampOfZeroIsAStampNotMissing() {
        SlotCounter counter = new SlotCounter(store, "z", 3, 60);
        counter.stamp(counter.claim(1000, SlotCounter.Gate.OPEN).slot(), 0);
        assertEquals(0, counter.lastStamp(1000));
        counter.claim(1000, (count, last) -> 0); // a gated claim, not stamped yet: counts as claimed now
        assertEquals(1000, counter.lastStamp(1000));
    }

    /** A store where every put-if-absent loses a race: the claim looks again max + 1 times, then calls it full. */
    @Test
    void aClaimThatLosesEveryRaceGivesUpAsFull() {
        int[] puts = {0};
        SlotCounter.Store losing = new SlotCounter.Store() {
            @Override
            public boolean putIfAbsent(String key, long lifespanSeconds) {
                puts[0]++;
                return false;
            }

            @Override
            public boolean contains(String key) {
                return false;
            }

            @Override
            public void stamp(String key, long lifespanSeconds, long epochSeconds) {
            }

            @Override
            public long stampOf(String key) {
                return -1;
            }

            @Override
            public void remove(String key) {
            }
        };
        SlotCounter.Claim claim = new SlotCounter(losing, "race", 3, 60).claim(1000, SlotCounter.Gate.OPEN);
        assertFalse(claim.claimed());
        assertTrue(claim.full());
        assertEquals(3, claim.count());
        assertEquals(4, puts[0]);
    }
}
