package io.twostep.keycloak.limits;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The count searched from a node's hint: any hint, any store state, real threads. */
class SlotCounterHintTest {

    /**
     * A hint is whatever this node last saw; the store may since have been changed by another node (removals from the
     * top or bottom, holes, re-claims). Whatever the hint, the count is a claimed slot whose next one is free, never
     * above the maximum, and exact when the claimed slots are one run.
     */
    @Test
    void aCountFromAnyHintIsAClaimedSlotBelowAFreeOne() {
        Random random = new Random(42);
        for (int round = 0; round < 20_000; round++) {
            MemorySlots store = new MemorySlots();
            String name = "fuzz-" + UUID.randomUUID();
            int max = 1 + random.nextInt(200);
            int primedMax = random.nextBoolean() ? max : 1 + random.nextInt(200);
            int hint = 1 + random.nextInt(primedMax);
            for (int i = 1; i <= hint; i++) {
                store.putIfAbsent(name + "." + i, 60);
            }
            assertEquals(hint, new SlotCounter(store, name, primedMax, 60).count()); // primes the hint
            for (int i = 1; i <= hint; i++) {
                store.remove(name + "." + i);
            }
            TreeSet<Integer> claimed = new TreeSet<>();
            int run = random.nextInt(max + 1);
            for (int i = 1; i <= run; i++) {
                claimed.add(i);
            }
            int holes = random.nextInt(4);
            for (int h = 0; h < holes && run > 0; h++) {
                claimed.remove(1 + random.nextInt(run));
            }
            int extra = random.nextInt(4);
            for (int e = 0; e < extra; e++) {
                claimed.add(1 + random.nextInt(max));
            }
            if (random.nextInt(4) == 0 && hint <= max) {
                claimed.add(hint);
            }
            claimed.forEach(i -> store.putIfAbsent(name + "." + i, 60));

            SlotCounter counter = new SlotCounter(store, name, max, 60);
            int count = counter.count();
            String state = "max " + max + ", hint " + hint + ", claimed " + claimed + ": " + count;
            assertTrue(count >= 0 && count <= max, state);
            assertTrue(count == 0 || claimed.contains(count), state);
            assertTrue(count == max || !claimed.contains(count + 1), state);
            assertTrue(count != 0 || !claimed.contains(1), state);
            boolean oneRun = claimed.isEmpty() || claimed.last() == claimed.size();
            if (oneRun) {
                assertEquals(claimed.size(), count, state);
            }
            SlotCounter.Claim claim = counter.claim(1000, SlotCounter.Gate.OPEN);
            if (claim.claimed()) {
                assertTrue(claim.slot() <= max && !claimed.contains(claim.slot()), state + " claimed " + claim);
            } else {
                assertTrue(claimed.contains(max), state + " refused " + claim);
            }
        }
    }

    /**
     * Real threads claim and give back slots of one hinted counter (counts well above the hinting threshold): no slot
     * is ever held twice, no slot above the maximum is taken, and at rest the count is exact.
     */
    @Test
    void concurrentClaimsAndReleasesNeverShareASlotOrPassTheMaximum() throws Exception {
        MemorySlots store = new MemorySlots();
        String name = "threads-" + UUID.randomUUID();
        int max = 60;
        AtomicIntegerArray holders = new AtomicIntegerArray(max + 2);
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = t;
            futures.add(pool.submit(() -> {
                Random random = new Random(seed);
                List<Integer> mine = new ArrayList<>();
                int problems = 0;
                start.await();
                for (int op = 0; op < 5_000; op++) {
                    SlotCounter counter = new SlotCounter(store, name, max, 60);
                    if (mine.size() < 6 && random.nextInt(3) > 0) {
                        SlotCounter.Claim claim = counter.claim(1000, SlotCounter.Gate.OPEN);
                        if (claim.claimed()) {
                            if (claim.slot() > max || holders.incrementAndGet(claim.slot()) != 1) {
                                problems++;
                            }
                            mine.add(claim.slot());
                        }
                    } else if (!mine.isEmpty()) {
                        int slot = mine.remove(random.nextInt(mine.size()));
                        holders.decrementAndGet(slot);
                        counter.release(slot);
                    }
                }
                for (int slot : mine) {
                    holders.decrementAndGet(slot);
                    new SlotCounter(store, name, max, 60).release(slot);
                }
                return problems;
            }));
        }
        start.countDown();
        int problems = 0;
        for (Future<Integer> future : futures) {
            problems += future.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(0, problems);
        assertEquals(0, store.size());
        assertEquals(0, new SlotCounter(store, name, max, 60).count());
    }

    /**
     * 32 parallel wrong codes per round against one account whose delay and block lie where counts are hinted
     * (11 free tries, block at 12): exactly 11 tries, then one after the pause, then none; many accounts in turn.
     */
    @Test
    void theBlockHoldsExactlyWhereCountsAreHinted() throws Exception {
        MemorySlots store = new MemorySlots();
        DefaultSmsLimiter limiter = new DefaultSmsLimiter(store, new SmsLimitSettings(10, 10, 50, 1000, 11, 12, 3600));
        for (int user = 0; user < 20; user++) {
            String id = "u" + user + "-" + UUID.randomUUID();
            long now = 1_000_000;
            int tried = 0;
            for (int round = 0; round < 4; round++) {
                long at = now;
                tried += parallel(32, () -> {
                    SmsLimiter.Attempt attempt = limiter.beginAttempt("r", id, at);
                    if (attempt.refusal() != null) {
                        return 0;
                    }
                    attempt.wrong();
                    return 1;
                });
                assertEquals(round == 0 ? 11 : 12, tried, "user " + user + " round " + round);
                now += 15;
            }
            assertTrue(limiter.failures("r", id, now).blocked());
            assertEquals(12, limiter.failures("r", id, now).failures());
        }
    }

    /**
     * A wrong code still in flight when the account's right code clears the count stamps its slot after the clear
     * (a stamp is a put: it makes the slot again). Read from slot 1 that slot stays out of sight; read from this
     * node's hint, which is that very slot, the account shows 10 wrong codes at once after its right code, and its
     * next login must pause on this node only. (Needs failures-before-delay of 8 or more: below it, a claim in flight
     * makes the next one wait, so two tries of one account cannot overlap up there.)
     */
    @Test
    void aRightCodeLeavesTheCountAtZeroEvenWithAWrongCodeInFlight() {
        MemorySlots store = new MemorySlots();
        DefaultSmsLimiter limiter = new DefaultSmsLimiter(store, new SmsLimitSettings(10, 10, 50, 1000, 11, 12, 3600));
        String id = "inflight-" + UUID.randomUUID();
        long now = 1_000_000;
        for (int i = 0; i < 8; i++) {
            limiter.beginAttempt("r", id, now).wrong();
        }
        SmsLimiter.Attempt right = limiter.beginAttempt("r", id, now);   // slot 9
        SmsLimiter.Attempt wrong = limiter.beginAttempt("r", id, now);   // slot 10, concurrent
        right.right();                                                     // clears 18..1
        wrong.wrong();                                                     // stamps slot 10 after the clear
        assertEquals(0, limiter.failures("r", id, now).failures());
        assertEquals(0, limiter.failures("r", id, now + 1).waitSeconds());
    }

    private static int parallel(int threads, java.util.concurrent.Callable<Integer> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                start.await();
                return task.call();
            }));
        }
        start.countDown();
        int sum = 0;
        for (Future<Integer> future : futures) {
            sum += future.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        return sum;
    }
}
