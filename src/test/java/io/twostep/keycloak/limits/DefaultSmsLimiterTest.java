package io.twostep.keycloak.limits;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DefaultSmsLimiterTest {

    private static final long START = 3600L * 1000 + 10; // ten seconds into a clock hour
    private final MemorySlots store = new MemorySlots();
    private final SmsLimitSettings settings = new SmsLimitSettings(4, 5, 3, 30, 3, 6, 600);
    private final DefaultSmsLimiter limiter = new DefaultSmsLimiter(store, settings);

    @Test
    void eachBudgetStopsAtItsLimitAndSaysWhichAndForHowLong() {
        for (int i = 0; i < 4; i++) {
            assertTrue(limiter.trySend("r", "u", "+4915112340001", "ip" + i, false, START).allowed());
        }
        SmsLimiter.SendDecision refused = limiter.trySend("r", "u", "+4915112340001", "ip9", false, START);
        assertEquals(SmsLimiter.Limit.USER, refused.limit());
        assertEquals(3590, refused.retryAfter());
        // A new clock hour is a new window.
        assertTrue(limiter.trySend("r", "u", "+4915112340001", "ip9", false, START + 3600).allowed());
    }

    @Test
    void aRefusedSendTakesNothingFromTheOtherBudgets() {
        for (int i = 0; i < 3; i++) {
            assertTrue(limiter.trySend("r", "u" + i, "+491511234000" + i, "same-ip", false, START).allowed());
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(SmsLimiter.Limit.IP,
                    limiter.trySend("r", "victim", "+4915112340099", "same-ip", false, START).limit());
        }
        // The refused sends took nothing from the victim's user and number budgets.
        for (int i = 0; i < 4; i++) {
            assertTrue(limiter.trySend("r", "victim", "+4915112340099", "other-ip-" + i, false, START).allowed());
        }
    }

    @Test
    void enrolmentSendsHaveTheirOwnNumberBudget() {
        for (int i = 0; i < 5; i++) {
            assertTrue(limiter.trySend("r", "enroller" + i, "+4915112340050", "ip" + i, true, START).allowed());
        }
        assertEquals(SmsLimiter.Limit.NUMBER,
                limiter.trySend("r", "enroller9", "+4915112340050", "ip9", true, START).limit());
        assertTrue(limiter.trySend("r", "owner", "+4915112340050", "ip10", false, START).allowed());
    }

    /** 12 accounts post one number at the same instant, three bursts in a row: never more than the budget. */
    @Test
    void burstsOfSendsToOneNumberNeverPassItsBudget() throws Exception {
        DefaultSmsLimiter roomy = new DefaultSmsLimiter(store, new SmsLimitSettings(100, 10, 10_000, 1_000_000, 5, 20, 3600));
        int allowed = 0;
        for (int burst = 0; burst < 3; burst++) {
            int b = burst;
            allowed += count(inParallel(12, i -> roomy.trySend("r", "acct" + b + "-" + i, "+4915112340050",
                    "10.0.0." + i, true, START).allowed()));
        }
        assertEquals(10, allowed);
    }

    @Test
    void burstsNeverPassTheUserOrRealmBudget() throws Exception {
        assertEquals(4, count(inParallel(20, i -> limiter.trySend("r", "one-user", "+49151123400" + (10 + i),
                "ip-" + i, false, START).allowed())));
        DefaultSmsLimiter realmOnly = new DefaultSmsLimiter(new MemorySlots(),
                new SmsLimitSettings(100, 100, 10_000, 30, 5, 20, 3600));
        assertEquals(30, count(inParallel(64, i -> realmOnly.trySend("r", "user-" + i, "+49151123401" + (10 + i),
                "ip-" + i, false, START).allowed())));
    }

    @Test
    void wrongCodesPauseThenBlockAndTheCountPersistsAfterTheBlock() {
        long now = START;
        for (int i = 1; i <= 3; i++) {
            SmsLimiter.Attempt attempt = limiter.beginAttempt("r", "u", now);
            assertNull(attempt.refusal(), "try " + i + " needs no pause");
            attempt.wrong();
        }
        SmsLimiter.Attempt paused = limiter.beginAttempt("r", "u", now + 14);
        assertEquals(1, paused.refusal().waitSeconds());
        assertFalse(paused.refusal().blocked());
        now += 15;
        for (int failures = 4; failures <= 6; failures++) {
            SmsLimiter.Attempt attempt = limiter.beginAttempt("r", "u", now);
            assertNull(attempt.refusal());
            SmsLimiter.FailureStatus after = attempt.wrong();
            assertEquals(failures, after.failures());
            now += 300;
        }
        SmsLimiter.FailureStatus blocked = limiter.failures("r", "u", now);
        assertTrue(blocked.blocked(), "6 wrong codes block the factor");
        // After block-seconds one try is allowed; the count did not go back to zero.
        now = START + 15 + 600 + 600 + 1;
        assertEquals(6, limiter.failures("r", "u", now).failures());
        SmsLimiter.Attempt afterBlock = limiter.beginAttempt("r", "u", now);
        assertNull(afterBlock.refusal());
        SmsLimiter.FailureStatus again = afterBlock.wrong();
        assertEquals(7, again.failures());
        assertTrue(again.blocked(), "a wrong code after the block blocks again");
        assertEquals(600, again.waitSeconds());
        // A correct code clears the count.
        SmsLimiter.Attempt right = limiter.beginAttempt("r", "u", now + 601);
        assertNull(right.refusal());
        right.right();
        assertEquals(0, limiter.failures("r", "u", now + 601).failures());
    }

    @Test
    void aHundredConsecutiveWrongCodesBlockUntilAnAdminClearsThem() {
        DefaultSmsLimiter loose = new DefaultSmsLimiter(store, new SmsLimitSettings(10, 10, 50, 1000, 99, 100, 60));
        long now = START;
        for (int i = 0; i < DefaultSmsLimiter.MAX_CONSECUTIVE_FAILURES; i++) {
            SmsLimiter.Attempt attempt = loose.beginAttempt("r", "u", now);
            assertNull(attempt.refusal(), "try " + (i + 1));
            attempt.wrong();
            now += 301;
        }
        SmsLimiter.Attempt refused = loose.beginAttempt("r", "u", now + 365L * 24 * 3600);
        assertTrue(refused.refusal().blocked());
    }

    /** 9 parallel logins of one account post wrong codes together, round after round: the pause holds exactly. */
    @Test
    void concurrentWrongCodesGetExactlyTheFreeTriesThenOnePerPause() throws Exception {
        long now = START;
        int tried = 0;
        for (int round = 0; round < 5; round++) {
            long at = now;
            tried += count(inParallel(9, i -> {
                SmsLimiter.Attempt attempt = limiter.beginAttempt("r", "u", at);
                if (attempt.refusal() != null) {
                    return false;
                }
                attempt.wrong();
                return true;
            }));
            now += 15;
        }
        // Rounds at 0, 15, 30, 45 and 60 s: 3 free tries in the first, then one try each time a pause is over
        // (15 s after the 3rd, 30 s after the 4th, 60 s after the 5th): at 15 s and at 45 s.
        assertEquals(5, tried);
        assertEquals(5, limiter.failures("r", "u", now).failures());
    }

    private static int count(List<Boolean> results) {
        return (int) results.stream().filter(Boolean::booleanValue).count();
    }

    interface Task {
        boolean run(int index) throws Exception;
    }

    private static List<Boolean> inParallel(int threads, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            Callable<Boolean> call = () -> {
                start.await();
                return task.run(index);
            };
            futures.add(pool.submit(call));
        }
        start.countDown();
        List<Boolean> results = new ArrayList<>();
        for (Future<Boolean> future : futures) {
            results.add(future.get(30, TimeUnit.SECONDS));
        }
        pool.shutdown();
        return results;
    }
}
