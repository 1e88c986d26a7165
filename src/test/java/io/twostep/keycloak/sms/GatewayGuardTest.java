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
        assertEquals(36, refused(GatewayGuard.SLOTS_BUSY), "each refusal counted, by its cause");
        assertEquals(0, refused(GatewayGuard.BREAKER_OPEN));
        hang.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
}
