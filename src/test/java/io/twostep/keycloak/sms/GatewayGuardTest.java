package io.twostep.keycloak.sms;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GatewayGuardTest {

    private final AtomicLong clock = new AtomicLong();
    /** 4 sends at once; 3 failures among the last 5 sends open the breaker for 30 s. */
    private final GatewayGuard guard = new GatewayGuard(4, 3, 5, 30, clock::get);
    private final AtomicInteger reached = new AtomicInteger();

    private GatewayGuard.Send down() {
        return () -> {
            reached.incrementAndGet();
            throw new SmsSendException(SmsSendException.Reason.PROVIDER_DOWN, "timeout");
        };
    }

    private GatewayGuard.Send ok() {
        return () -> {
            reached.incrementAndGet();
            return new SentSms("id");
        };
    }

    @Test
    void outagesFillingTheWindowOpenTheBreakerAndLaterOneTrialClosesIt() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThrows(SmsSendException.class, () -> guard.send(down()));
        }
        assertTrue(guard.isOpen());
        assertEquals(3, reached.get());
        SmsSendException fast = assertThrows(SmsSendException.class, () -> guard.send(ok()));
        assertEquals(SmsSendException.Reason.PROVIDER_DOWN, fast.getReason());
        assertEquals(3, reached.get(), "nothing reaches the gateway while the breaker is open");

        clock.addAndGet(TimeUnit.SECONDS.toNanos(30));
        guard.send(ok()); // the trial
        assertFalse(guard.isOpen());
        guard.send(ok());
        assertEquals(5, reached.get());
    }

    @Test
    void aFailedTrialOpensTheBreakerAgainAtOnce() {
        for (int i = 0; i < 3; i++) {
            assertThrows(SmsSendException.class, () -> guard.send(down()));
        }
        clock.addAndGet(TimeUnit.SECONDS.toNanos(31));
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertTrue(guard.isOpen());
        assertThrows(SmsSendException.class, () -> guard.send(ok()));
        assertEquals(4, reached.get());
    }

    /** A quarter of the sends time out (one slow route): the others' answers keep the breaker closed. */
    @Test
    void aShareOfFailuresBelowTheThresholdKeepsTheBreakerClosed() throws Exception {
        for (int i = 0; i < 100; i++) {
            if (i % 4 == 3) {
                assertThrows(SmsSendException.class, () -> guard.send(down()));
            } else if (i % 4 == 1) {
                assertThrows(SmsSendException.class, () -> guard.send(() -> {
                    reached.incrementAndGet();
                    throw new SmsSendException(SmsSendException.Reason.INVALID_NUMBER, "status 3");
                }));
            } else {
                guard.send(ok());
            }
            assertFalse(guard.isOpen(), "send " + i);
        }
        assertEquals(100, reached.get());
    }

    /**
     * One slow route, at the Vonage sender's settings (8 of the last 10): the timeouts of sends begun together
     * arrive together, in runs of 5 between the other numbers' answers. Half the sends failing is not the gateway
     * down.
     */
    @Test
    void runsOfTimeoutsAmongAsManyAnswersDoNotOpenTheBreaker() throws Exception {
        GatewayGuard routeGuard = new GatewayGuard(16, 8, 10, 30, clock::get);
        for (int burst = 0; burst < 10; burst++) {
            for (int i = 0; i < 5; i++) {
                assertThrows(SmsSendException.class, () -> routeGuard.send(down()));
            }
            for (int i = 0; i < 5; i++) {
                routeGuard.send(ok());
            }
            assertFalse(routeGuard.isOpen(), "burst " + burst);
        }
        for (int i = 0; i < 8; i++) {
            assertThrows(SmsSendException.class, () -> routeGuard.send(down()));
        }
        assertTrue(routeGuard.isOpen(), "8 of the last 10 failed: the gateway is down");
    }

    /** Failures need not come in a run: 3 among the last 5 open it, answers in between or not. */
    @Test
    void failuresAmongAnswersOpenTheBreakerOnceTheyAreTheShare() throws Exception {
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        guard.send(ok());
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertFalse(guard.isOpen());
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertTrue(guard.isOpen());
    }

    /** The window slides: failures older than the last 5 sends no longer count. */
    @Test
    void failuresOutsideTheWindowAreForgotten() throws Exception {
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        for (int i = 0; i < 5; i++) {
            guard.send(ok());
        }
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertFalse(guard.isOpen(), "the first two failures left the window");
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertTrue(guard.isOpen());
    }

    /**
     * A send begun before the breaker opened says nothing of the gateway now; a trial that closes it forgets the
     * failures before it.
     */
    @Test
    void onlyTheTrialDecidesAnOpenBreakerAndClosingStartsAFreshWindow() throws Exception {
        CountDownLatch begun = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<SentSms> begunBefore = pool.submit(() -> guard.send(() -> {
            begun.countDown();
            try {
                answer.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new SentSms("late");
        }));
        assertTrue(begun.await(10, TimeUnit.SECONDS));
        for (int i = 0; i < 3; i++) {
            assertThrows(SmsSendException.class, () -> guard.send(down()));
        }
        assertTrue(guard.isOpen());
        answer.countDown();
        assertEquals("late", begunBefore.get(10, TimeUnit.SECONDS).messageId());
        assertTrue(guard.isOpen(), "an answer to a send begun before the breaker opened does not close it");
        pool.shutdown();

        clock.addAndGet(TimeUnit.SECONDS.toNanos(30));
        guard.send(ok()); // the trial
        assertFalse(guard.isOpen());
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertFalse(guard.isOpen(), "the failures before the trial no longer count");
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertTrue(guard.isOpen());
    }

    @Test
    void aWindowSmallerThanTheFailuresThatOpenItIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new GatewayGuard(4, 6, 5, 30, clock::get));
    }

    /** 40 sends at once to a gateway that hangs: 4 wait for it, 36 fail at once. */
    @Test
    void aHangingGatewayHoldsAtMostTheBoundOfSends() throws Exception {
        CountDownLatch hang = new CountDownLatch(1);
        GatewayGuard.Send hanging = () -> {
            reached.incrementAndGet();
            try {
                hang.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new SmsSendException(SmsSendException.Reason.PROVIDER_DOWN, "timeout");
        };
        ExecutorService pool = Executors.newFixedThreadPool(40);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Long>> failedAfterMillis = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            failedAfterMillis.add(pool.submit(() -> {
                start.await();
                long begin = System.nanoTime();
                try {
                    guard.send(hanging);
                } catch (SmsSendException e) {
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
                }
                return -1L;
            }));
        }
        start.countDown();
        int fast = 0;
        for (int i = 0; i < 40; i++) {
            Future<Long> result = failedAfterMillis.get(i);
            try {
                result.get(2, TimeUnit.SECONDS);
                fast++;
            } catch (java.util.concurrent.TimeoutException stillWaiting) {
                // one of the sends that hold a gateway connection
            }
        }
        assertEquals(36, fast, "all but the bound failed at once");
        assertEquals(4, reached.get(), "only the bound reached the gateway");
        hang.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
}
