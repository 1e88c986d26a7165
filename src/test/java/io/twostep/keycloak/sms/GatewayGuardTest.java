package io.twostep.keycloak.sms;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
    private final GatewayGuard guard = new GatewayGuard(4, 3, 30, clock::get);
    private final AtomicInteger reached = new AtomicInteger();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    @BeforeEach
    void countMetrics() {
        Metrics.addRegistry(metrics);
    }

    @AfterEach
    void stopCounting() {
        Metrics.removeRegistry(metrics);
        metrics.close();
    }

    /** @return {@code twostep_sms_gateway_refused_total} for {@code cause} so far */
    private double refused(String cause) {
        var counter = metrics.find("twostep.sms.gateway.refused").tag("cause", cause).counter();
        return counter == null ? 0 : counter.count();
    }

    private GatewayGuard.Send down() {
        return () -> {
            reached.incrementAndGet();
            throw new SmsSendException(SmsSendException.Reason.PROVIDER_DOWN, "timeout");
        };
    }

    /** Counted down when a {@link #heldUntil held} send has reached the gateway. */
    private final CountDownLatch hangStarted = new CountDownLatch(1);

    /** @return a send that reaches the gateway and times out once {@code release} is counted down (30 s at most) */
    private GatewayGuard.Send hangsUntil(CountDownLatch release) {
        return () -> {
            heldUntil(release);
            throw new SmsSendException(SmsSendException.Reason.PROVIDER_DOWN, "timeout");
        };
    }

    /** A send that has reached the gateway waits there until {@code release} is counted down (30 s at most). */
    private void heldUntil(CountDownLatch release) {
        reached.incrementAndGet();
        hangStarted.countDown();
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private GatewayGuard.Send ok() {
        return () -> {
            reached.incrementAndGet();
            return new SentSms("id");
        };
    }

    @Test
    void consecutiveOutagesOpenTheBreakerAndLaterOneTrialClosesIt() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThrows(SmsSendException.class, () -> guard.send(down()));
        }
        assertTrue(guard.isOpen());
        assertEquals(3, reached.get());
        assertEquals(0, refused(GatewayGuard.BREAKER_OPEN), "sends that reached the gateway are not refusals");
        SmsSendException fast = assertThrows(SmsSendException.class, () -> guard.send(ok()));
        assertEquals(SmsSendException.Reason.PROVIDER_DOWN, fast.getReason());
        assertEquals(3, reached.get(), "nothing reaches the gateway while the breaker is open");
        assertEquals(1, refused(GatewayGuard.BREAKER_OPEN));
        assertEquals(0, refused(GatewayGuard.SLOTS_BUSY));

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

    @Test
    void refusalsOfTheMessageShowTheGatewayIsUp() {
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertThrows(SmsSendException.class, () -> guard.send(() -> {
            throw new SmsSendException(SmsSendException.Reason.INVALID_NUMBER, "status 3");
        }));
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertFalse(guard.isOpen(), "the run of outages was broken by an answer");
    }

    /**
     * Answers about the message that the user is told as "provider down" (a per-message status not known here, e.g.
     * Vonage's 102 for a number opted out of a campaign) come from a gateway that is up: an attacker who enrols
     * numbers that get such answers cannot open the breaker for everyone, however many sends in a row.
     */
    @Test
    void perMessageStatusesNeverOpenTheBreakerWhateverTheReason() {
        GatewayGuard.Send unknownStatus = () -> {
            reached.incrementAndGet();
            throw new SmsSendException(SmsSendException.Reason.PROVIDER_DOWN, "vonage status 102", false,
                    SmsSendException.Stage.MESSAGE_REFUSED);
        };
        for (int i = 0; i < 10; i++) {
            SmsSendException e = assertThrows(SmsSendException.class, () -> guard.send(unknownStatus));
            assertEquals(SmsSendException.Reason.PROVIDER_DOWN, e.getReason(), "the user is still told to retry later");
        }
        assertFalse(guard.isOpen());
        assertEquals(10, reached.get(), "every send reached the gateway");
        // And they break a run of real outages, as any answer does.
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertThrows(SmsSendException.class, () -> guard.send(unknownStatus));
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertFalse(guard.isOpen());
    }

    /** A failure before the gateway (e.g. no sender configured) says nothing about the gateway either way. */
    @Test
    void failuresBeforeTheGatewayNeitherCountNorBreakTheRun() {
        GatewayGuard.Send notCalled = () -> {
            throw new SmsSendException(SmsSendException.Reason.CONFIGURATION, "not configured", false,
                    SmsSendException.Stage.NOT_CALLED);
        };
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        for (int i = 0; i < 5; i++) {
            assertThrows(SmsSendException.class, () -> guard.send(notCalled));
        }
        assertFalse(guard.isOpen(), "two outages so far");
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertTrue(guard.isOpen(), "the third outage in a row opens it: the failures before the gateway broke nothing");
    }

    /**
     * A send that fails with an exception or an error of its own (a bug, a class the deployment cannot link) says
     * nothing about the gateway: it neither counts toward opening the breaker nor breaks the run, and gives back its
     * send slot.
     */
    @Test
    void faultsOfTheSenderOrTheDeploymentNeitherCountNorKeepASlot() {
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        for (int i = 0; i < 5; i++) { // more than the 4 slots: each fault gave its slot back
            assertThrows(NoClassDefFoundError.class, () -> guard.send(() -> {
                throw new NoClassDefFoundError("com/vonage/client/Missing");
            }));
            assertThrows(IllegalStateException.class, () -> guard.send(() -> {
                throw new IllegalStateException("bug");
            }));
        }
        assertFalse(guard.isOpen(), "two outages so far");
        assertThrows(SmsSendException.class, () -> guard.send(down()));
        assertTrue(guard.isOpen(), "the third outage in a row opens it: the faults in between broke nothing");
    }

    /** The guard's own refusals say the gateway was never called, so the caller can give the SMS back. */
    @Test
    void refusalsAtOnceSayTheGatewayWasNotCalled() {
        for (int i = 0; i < 3; i++) {
            assertThrows(SmsSendException.class, () -> guard.send(down()));
        }
        SmsSendException refused = assertThrows(SmsSendException.class, () -> guard.send(ok()));
        assertEquals(SmsSendException.Stage.NOT_CALLED, refused.getStage());
    }

    /**
     * {@code twostep_sms_gateway_breaker_open} reads {@link GatewayGuard#isOpen}: 1 from the opening until a send
     * finds the gateway up, also after the open period when no send has come to try it, and while the trial is in
     * flight; a failed trial keeps it open, an answered one closes it.
     */
    @Test
    void theBreakerReadsOpenUntilASendFindsTheGatewayUp() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThrows(SmsSendException.class, () -> guard.send(down()));
        }
        assertTrue(guard.isOpen());
        clock.addAndGet(TimeUnit.SECONDS.toNanos(30));
        assertTrue(guard.isOpen(), "the open period is over, but no send has found the gateway up");
        clock.addAndGet(TimeUnit.HOURS.toNanos(1));
        assertTrue(guard.isOpen(), "no send came to try it");
        CountDownLatch release = new CountDownLatch(1);
        Thread trial = new Thread(() -> {
            try {
                guard.send(hangsUntil(release));
            } catch (SmsSendException | RuntimeException ignored) {
                // the trial fails
            }
        });
        trial.start();
        try {
            assertTrue(hangStarted.await(10, TimeUnit.SECONDS));
            assertTrue(guard.isOpen(), "while the trial is in flight, every other send fails at once");
            assertThrows(SmsSendException.class, () -> guard.send(ok()));
        } finally {
            release.countDown();
        }
        trial.join(10_000);
        assertFalse(trial.isAlive());
        assertTrue(guard.isOpen(), "the failed trial opened it again");
        clock.addAndGet(TimeUnit.SECONDS.toNanos(30));
        guard.send(ok());
        assertFalse(guard.isOpen(), "the next trial found the gateway up");
    }

    /** A trial that never reaches the gateway (a failure on our side) says nothing: the breaker stays open. */
    @Test
    void aTrialThatNeverReachedTheGatewayLeavesTheBreakerOpen() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThrows(SmsSendException.class, () -> guard.send(down()));
        }
        clock.addAndGet(TimeUnit.SECONDS.toNanos(30));
        assertThrows(SmsSendException.class, () -> guard.send(() -> {
            throw new SmsSendException(SmsSendException.Reason.CONFIGURATION, "not configured", false,
                    SmsSendException.Stage.NOT_CALLED);
        }));
        assertThrows(IllegalStateException.class, () -> guard.send(() -> {
            throw new IllegalStateException("a fault of ours");
        }));
        assertThrows(NoClassDefFoundError.class, () -> guard.send(() -> {
            throw new NoClassDefFoundError("com/vonage/client/Missing");
        }));
        assertTrue(guard.isOpen(), "no send has found the gateway up");
        guard.send(ok()); // the next send is the trial, and the gateway answers it
        assertFalse(guard.isOpen());
    }

    /** A send admitted before the breaker opened and answered late is news that the gateway is up: it closes it. */
    @Test
    void aLateAnswerOfASendAdmittedBeforeTheOpeningClosesTheBreaker() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread early = new Thread(() -> {
            try {
                guard.send(() -> {
                    heldUntil(release);
                    return new SentSms("late");
                });
            } catch (SmsSendException | RuntimeException ignored) {
                // the test's assertions say what happened
            }
        });
        early.start();
        try {
            assertTrue(hangStarted.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++) {
                assertThrows(SmsSendException.class, () -> guard.send(down()));
            }
            assertTrue(guard.isOpen());
        } finally {
            release.countDown();
        }
        early.join(10_000);
        assertFalse(early.isAlive());
        assertFalse(guard.isOpen(), "the gateway answered");
    }

    /** 40 sends at once to a gateway that hangs: 4 wait for it, 36 fail at once. */
    @Test
    void aHangingGatewayHoldsAtMostTheBoundOfSends() throws Exception {
        CountDownLatch hang = new CountDownLatch(1);
        GatewayGuard.Send hanging = hangsUntil(hang);
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
        assertEquals(36, refused(GatewayGuard.SLOTS_BUSY), "each refusal counted, by its cause");
        assertEquals(0, refused(GatewayGuard.BREAKER_OPEN));
        hang.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
}
