package io.twostep.keycloak.limits;

import io.twostep.keycloak.support.Fakes;
import io.twostep.keycloak.support.MapScope;
import org.junit.jupiter.api.Test;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.SingleUseObjectProvider;
import org.keycloak.models.UserModel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    /** An SMS that never reached the gateway goes back to every budget it was counted in, and only once. */
    @Test
    void anSmsGivenBackLeavesEveryBudgetAsBefore() {
        SmsLimiter.SendDecision first = null;
        for (int i = 0; i < 3; i++) {
            SmsLimiter.SendDecision sent = limiter.trySend("r", "u", "+4915112340001", "same-ip", false, START);
            assertTrue(sent.allowed());
            first = first == null ? sent : first;
        }
        assertEquals(SmsLimiter.Limit.IP, limiter.trySend("r", "u", "+4915112340001", "same-ip", false, START).limit());
        first.giveBack().run();
        assertTrue(limiter.trySend("r", "u", "+4915112340001", "same-ip", false, START).allowed(),
                "the address's budget has room again");
        assertEquals(SmsLimiter.Limit.IP, limiter.trySend("r", "u", "+4915112340001", "same-ip", false, START).limit());
        // The user's (4) and the number's (5) budgets got it back too: 4 more to this user from other addresses.
        assertTrue(limiter.trySend("r", "u", "+4915112340001", "ip-a", false, START).allowed());
        assertEquals(SmsLimiter.Limit.USER, limiter.trySend("r", "u", "+4915112340001", "ip-b", false, START).limit());
        // A refused decision has nothing to give back.
        limiter.trySend("r", "u", "+4915112340001", "ip-c", false, START).giveBack().run();
        assertEquals(SmsLimiter.Limit.USER, limiter.trySend("r", "u", "+4915112340001", "ip-d", false, START).limit());
    }

    /**
     * A burst of sends from one address while the gateway is down, each given back as its refusal comes: never more
     * than the address's budget held at once, and afterwards the whole budget is there again.
     */
    @Test
    void burstsOfSendsGivenBackNeverPassTheBudgetAndLeaveItWhole() throws Exception {
        DefaultSmsLimiter roomy = new DefaultSmsLimiter(store, new SmsLimitSettings(100, 100, 3, 1_000_000, 5, 20, 3600));
        java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger mostHeld = new java.util.concurrent.atomic.AtomicInteger();
        int allowed = count(inParallel(40, i -> {
            SmsLimiter.SendDecision sent = roomy.trySend("r", "u" + i, "+49151123400" + (10 + i), "one-ip", false,
                    START);
            if (!sent.allowed()) {
                return false;
            }
            mostHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
            held.decrementAndGet();
            sent.giveBack().run();
            return true;
        }));
        assertTrue(allowed >= 3, "at least the budget's worth went through: " + allowed);
        assertTrue(mostHeld.get() <= 3, "at most the budget held at once: " + mostHeld.get());
        for (int i = 0; i < 3; i++) {
            assertTrue(roomy.trySend("r", "v" + i, "+4915112340090", "one-ip", false, START).allowed());
        }
        assertEquals(SmsLimiter.Limit.IP, roomy.trySend("r", "v9", "+4915112340091", "one-ip", false, START).limit());
    }

    /**
     * The per-address budget counts an IPv6 client by its /64 network, the smallest block one subscriber gets (RFC
     * 6177): one connection's 2^64 addresses share a budget, while the next /64 has its own.
     */
    @Test
    void anIpv6ClientCountsByItsSlash64() {
        String[] oneNetwork = {"2001:db8:1:2::a", "2001:DB8:1:2:0:0:0:b", "2001:db8:1:2:ffff:ffff:ffff:ffff"};
        for (int i = 0; i < 3; i++) {
            assertTrue(limiter.trySend("r", "u" + i, "+491511234000" + i, oneNetwork[i], false, START).allowed());
        }
        assertEquals(SmsLimiter.Limit.IP,
                limiter.trySend("r", "u9", "+4915112340009", "2001:db8:1:2:1234::9", false, START).limit());
        assertTrue(limiter.trySend("r", "u9", "+4915112340009", "2001:db8:1:3::1", false, START).allowed(),
                "the next /64 is another subscriber");
    }

    @Test
    void addressesAreCountedByNetworkWithoutAnyLookUp() {
        assertEquals("192.0.2.7", ClientNetwork.of("192.0.2.7"));
        assertEquals("192.0.2.7", ClientNetwork.of("::ffff:192.0.2.7"), "an IPv4-mapped address is IPv4");
        assertEquals("20010db800010002/64", ClientNetwork.of("2001:db8:1:2:3:4:5:6"));
        assertEquals("fe80000000000000/64", ClientNetwork.of("fe80::1%1"));
        assertEquals("null", ClientNetwork.of(null));
        // Not IP literals: kept as they are, never sent to DNS.
        assertEquals("host.example:80", ClientNetwork.of("host.example:80"));
        assertEquals("zz::1", ClientNetwork.of("zz::1"));
        assertEquals("1:2:3", ClientNetwork.of("1:2:3"));
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

    /** Slots of an hourly budget live until the hour is over, plus a minute; wrong-code slots live a year. */
    @Test
    void slotsLiveUntilTheirWindowIsOver() {
        MemorySlots recording = new MemorySlots();
        Map<String, Long> lifespans = recording.lifespans();
        DefaultSmsLimiter recorded = new DefaultSmsLimiter(recording, settings);
        assertTrue(recorded.trySend("r", "u", "+4915112340001", "ip", false, START).allowed());
        assertEquals(4, lifespans.size(), "one slot in each of the four budgets: " + lifespans.keySet());
        lifespans.forEach((key, lifespan) -> assertEquals(3590 + 60, lifespan, key));
        lifespans.clear();
        recorded.beginAttempt("r", "u", START).wrong();
        assertEquals(java.util.Set.of(DefaultSmsLimiter.FAILURES_KEPT_SECONDS), java.util.Set.copyOf(lifespans.values()));
    }

    @Test
    void eachUsersWrongCodesAreTheirOwn() {
        limiter.beginAttempt("r", "u1", START).wrong();
        limiter.beginAttempt("r", "u1", START).wrong();
        limiter.beginAttempt("r2", "u2", START).wrong();
        assertEquals(2, limiter.failures("r", "u1", START).failures());
        assertEquals(1, limiter.failures("r2", "u2", START).failures());
        assertEquals(0, limiter.failures("r", "u2", START).failures(), "realms apart");
    }

    @Test
    void theBlockEndsWhenItsTimeIsUpThoughTheCountStays() {
        long now = START;
        for (int i = 0; i < settings.failuresBeforeBlock(); i++) {
            SmsLimiter.Attempt attempt = limiter.beginAttempt("r", "u", now);
            assertNull(attempt.refusal(), "try " + (i + 1));
            attempt.wrong();
            now += 600;
        }
        long last = now - 600;
        SmsLimiter.FailureStatus blocked = limiter.failures("r", "u", last + 599);
        assertTrue(blocked.blocked());
        assertEquals(1, blocked.waitSeconds());
        SmsLimiter.FailureStatus over = limiter.failures("r", "u", last + 600);
        assertEquals(settings.failuresBeforeBlock(), over.failures());
        assertFalse(over.blocked(), "the block is over");
        assertEquals(0, over.waitSeconds());
        SmsLimiter.FailureStatus fresh = limiter.failures("r", "nobody", START);
        assertEquals(0, fresh.failures());
        assertFalse(fresh.blocked());
        assertEquals(0, fresh.waitSeconds());
    }

    @Test
    void aHundredWrongCodesShowAsBlockedForGoodUntilCleared() {
        DefaultSmsLimiter loose = new DefaultSmsLimiter(store, new SmsLimitSettings(10, 10, 50, 1000, 99, 100, 60));
        long now = START;
        for (int i = 0; i < DefaultSmsLimiter.MAX_CONSECUTIVE_FAILURES; i++) {
            loose.beginAttempt("r", "u", now).wrong();
            now += 301;
        }
        SmsLimiter.FailureStatus status = loose.failures("r", "u", now + 365L * 24 * 3600 - 600);
        assertTrue(status.blocked());
        assertEquals(Integer.MAX_VALUE, status.waitSeconds());
        SmsLimiter.Attempt refused = loose.beginAttempt("r", "u", now);
        assertEquals(Integer.MAX_VALUE, refused.refusal().waitSeconds());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, refused::wrong);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, refused::right);
    }

    /** The Keycloak-facing methods use the realm's and the user's ids and Keycloak's clock. */
    @Test
    void keycloakFacingMethodsUseTheIdsAndTheServerClock() {
        RealmModel realm = Fakes.named(RealmModel.class, "realm-1", "demo");
        UserModel user = Fakes.named(UserModel.class, "user-1", "alice");
        assertEquals(settings, limiter.settings());
        for (int i = 0; i < settings.perUserPerHour(); i++) {
            assertTrue(limiter.trySend(realm, user, "+4915112340001", "ip-" + i, false).allowed());
        }
        assertEquals(SmsLimiter.Limit.USER, limiter.trySend(realm, user, "+4915112340001", "ip-x", false).limit());
        long now = org.keycloak.common.util.Time.currentTime();
        assertEquals(SmsLimiter.Limit.USER,
                limiter.trySend("realm-1", "user-1", "+4915112340001", "ip-y", false, now).limit(), "same budget");
        limiter.beginAttempt(realm, user).wrong();
        assertEquals(1, limiter.failures(realm, user).failures());
        assertEquals(1, limiter.failures("realm-1", "user-1", now).failures());
        limiter.resetFailures(realm, user);
        assertEquals(0, limiter.failures(realm, user).failures());
    }

    /** The factory reads its options at start-up and gives every session a limiter with them. */
    @Test
    void theFactoryGivesEachSessionALimiterWithItsOptions() {
        DefaultSmsLimiterFactory factory = new DefaultSmsLimiterFactory();
        factory.init(new MapScope(Map.of("per-user-per-hour", "2")));
        KeycloakSession session = Fakes.of(KeycloakSession.class, Fakes.answers().returning("singleUseObjects",
                Fakes.of(SingleUseObjectProvider.class, Fakes.answers())));
        SmsLimiter created = factory.create(session);
        assertEquals(2, created.settings().perUserPerHour());
        assertEquals("default", factory.getId());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> factory.init(new MapScope(Map.of("per-user-per-hour", "0"))), "out of range stops the start");
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
