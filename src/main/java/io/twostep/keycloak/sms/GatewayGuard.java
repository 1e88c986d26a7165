package io.twostep.keycloak.sms;

import io.twostep.keycloak.metrics.TwoStepMetrics;

import java.util.concurrent.Semaphore;
import java.util.function.LongSupplier;

/**
 * Keeps an SMS gateway outage from becoming a Keycloak outage. Each SMS is sent inside a login request, so while
 * the gateway hangs, every SMS login would hold a worker thread (and its database connection) for the whole
 * timeout. Two rules bound that:
 * <ul>
 *     <li><b>At most {@code maxConcurrent} sends at once.</b> A send that finds them all busy fails at once with
 *     {@link SmsSendException.Reason#PROVIDER_DOWN} instead of queueing behind a hanging gateway.</li>
 *     <li><b>A circuit breaker.</b> After {@code failuresToOpen} consecutive sends that found the gateway down
 *     (timeout, I/O error, HTTP 5xx, unreadable answer), sends fail at once for {@code openSeconds}; then one trial
 *     send goes through, and its outcome closes the breaker or opens it again.</li>
 * </ul>
 * Any answer the gateway gives about the message itself (invalid number, throttling, configuration, a status not
 * known here: {@link SmsSendException.Stage#MESSAGE_REFUSED}) says the gateway is up and resets the failure run, so
 * that numbers an attacker picks for the answers they get cannot open the breaker for everyone. Each send failed at
 * once counts in {@code twostep_sms_gateway_refused_total}, by cause, and is thrown as
 * {@link SmsSendException.Stage#NOT_CALLED}. One guard is shared by every session of a sender factory.
 */
public final class GatewayGuard {

    /** A send to guard. */
    @FunctionalInterface
    public interface Send {
        SentSms send() throws SmsSendException;
    }

    /** {@code cause} of {@code twostep_sms_gateway_refused_total} when the breaker refuses a send. */
    public static final String BREAKER_OPEN = "breaker_open";
    /** {@code cause} of {@code twostep_sms_gateway_refused_total} when every send slot is busy. */
    public static final String SLOTS_BUSY = "slots_busy";

    private final Semaphore inFlight;
    private final int failuresToOpen;
    private final long openNanos;
    private final LongSupplier nanoTime;

    private int consecutiveFailures;
    private long openUntil;
    private boolean open;
    private boolean trialInFlight;

    /**
     * @param maxConcurrent  sends allowed at the same time, ≥ 1
     * @param failuresToOpen consecutive "gateway down" failures that open the breaker, ≥ 1
     * @param openSeconds    how long sends fail at once after the breaker opens, before a trial, in seconds (≥ 1)
     * @param nanoTime       the clock, {@link System#nanoTime} in production
     * @throws IllegalArgumentException when a bound is below 1
     */
    public GatewayGuard(int maxConcurrent, int failuresToOpen, int openSeconds, LongSupplier nanoTime) {
        if (maxConcurrent < 1 || failuresToOpen < 1 || openSeconds < 1) {
            throw new IllegalArgumentException("maxConcurrent, failuresToOpen and openSeconds must be at least 1");
        }
        this.inFlight = new Semaphore(maxConcurrent);
        this.failuresToOpen = failuresToOpen;
        this.openNanos = openSeconds * 1_000_000_000L;
        this.nanoTime = nanoTime;
    }

    /**
     * Sends through the guard.
     *
     * @return what the gateway reported
     * @throws SmsSendException the send's own failure, or {@link SmsSendException.Reason#PROVIDER_DOWN} when the
     *                          breaker is open or every send slot is busy (nothing was sent then)
     */
    public SentSms send(Send send) throws SmsSendException {
        boolean trial;
        try {
            trial = admit();
        } catch (SmsSendException open) {
            TwoStepMetrics.gatewayRefused(BREAKER_OPEN); // outside the lock that every send takes
            throw open;
        }
        if (!inFlight.tryAcquire()) {
            settle(trial, Outcome.NOT_TRIED);
            TwoStepMetrics.gatewayRefused(SLOTS_BUSY);
            throw new SmsSendException(SmsSendException.Reason.PROVIDER_DOWN,
                    "every SMS gateway connection is busy: the gateway is slow or down", false,
                    SmsSendException.Stage.NOT_CALLED);
        }
        Outcome outcome = Outcome.DOWN;
        try {
            SentSms sent = send.send();
            outcome = Outcome.UP;
            return sent;
        } catch (SmsSendException e) {
            outcome = switch (e.getStage()) {
                case NOT_CALLED -> Outcome.NOT_TRIED;
                case MESSAGE_REFUSED -> Outcome.UP;
                case CALL_FAILED -> e.getReason() == SmsSendException.Reason.PROVIDER_DOWN ? Outcome.DOWN : Outcome.UP;
            };
            throw e;
        } catch (RuntimeException | Error e) {
            // A fault of ours, of the SDK or of the deployment (a class it cannot link), not news of the gateway:
            // the breaker ignores it.
            outcome = Outcome.NOT_TRIED;
            throw e;
        } finally {
            inFlight.release();
            settle(trial, outcome);
        }
    }

    /**
     * The breaker's state for {@code twostep_sms_gateway_breaker_open}: open from the send that opened it until a send
     * finds the gateway up again. Once an open period is over, the next send goes to the gateway as the trial, and
     * only its answer closes the breaker: until a send comes, the gateway has not been seen up, and the breaker still
     * reads open (as a resilience4j breaker stays {@code OPEN} until its first call after the wait).
     *
     * @return whether the breaker is open
     */
    public synchronized boolean isOpen() {
        return open;
    }

    /** @return whether this send is the trial after an open period; throws when the breaker refuses it */
    private synchronized boolean admit() throws SmsSendException {
        if (!open) {
            return false;
        }
        if (nanoTime.getAsLong() - openUntil < 0 || trialInFlight) {
            throw new SmsSendException(SmsSendException.Reason.PROVIDER_DOWN,
                    "SMS gateway circuit open after repeated failures", false, SmsSendException.Stage.NOT_CALLED);
        }
        trialInFlight = true;
        return true;
    }

    /** What a send showed of the gateway. */
    private enum Outcome {
        /** It answered: sent, refused for a reason of the message, or an HTTP 4xx. */
        UP,
        /** Timeout, I/O error, HTTP 5xx, unreadable answer. */
        DOWN,
        /** The send never reached it, or failed on our side before it did. */
        NOT_TRIED
    }

    private synchronized void settle(boolean trial, Outcome outcome) {
        if (trial) {
            trialInFlight = false;
        }
        if (outcome == Outcome.DOWN) {
            consecutiveFailures++;
            if (trial || consecutiveFailures >= failuresToOpen) {
                open = true;
                openUntil = nanoTime.getAsLong() + openNanos;
            }
        } else if (outcome == Outcome.UP) {
            consecutiveFailures = 0;
            open = false;
        }
    }
}
