package io.twostep.keycloak.benchmark;

import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Simulation;
import io.twostep.keycloak.support.FakeVonage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.doIfOrElse;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.scenario;

/**
 * A gateway outage beside logins with the authenticator app: waves of 20 SMS users and 20 TOTP users starting at the
 * same instant, each wave once the last one has finished. Once the gateway's circuit breaker is closed (an earlier
 * run may have opened it), {@value #WARM_UP_WAVES} waves not measured, then half of {@value #WAVES} waves with the
 * fake gateway answering at once ({@value #HEALTHY}), then {@value #WAVES} waves while it answers no SMS within the
 * sender's timeout ({@value #OUTAGE}; it holds every request for {@value #HANG_MS} ms), then, once the breaker has
 * closed again, the other half with the gateway up.
 * The TOTP logins of the outage are compared with those of the waves before and after it, so that the machine's
 * drift over the run weighs on both sides alike.
 */
public class GatewayOutageSimulation extends Simulation {

    /**
     * Waves before the measured ones, not measured: the first waves of a run were its slowest (the load generator
     * starts this simulation, the server comes from a pause), which favoured the outage's comparison.
     */
    static final String WARM_UP = "outage run: warm-up";
    static final int WARM_UP_WAVES = 2;
    /** SMS logins that wait for the breaker to close, not measured. */
    static final String RECOVERY = "outage run: waiting for the breaker to close";
    static final String HEALTHY = "outage run: gateway up";
    static final String OUTAGE = "outage run: gateway hangs";
    /** Waves during the outage; as many with the gateway up, half before the outage and half after it. */
    static final int WAVES = 8;
    static final int USERS_PER_KIND = 20;
    /** Far beyond the sender's 5 s timeout. */
    static final long HANG_MS = 30_000;
    /**
     * The longest a send may wait for the hanging gateway, in seconds, as the server's histogram of gateway calls
     * tells it: the sender's timeout and half a second (its smallest bucket at or above that is read).
     */
    static final double CALL_BOUND_SECONDS = LoginBenchmark.SENDER_TIMEOUT_MS / 1000.0 + 0.5;
    /** The longest wait for the breaker to close: several of its 30 s open periods, each ended by a trial. */
    static final int BREAKER_WAIT_SECONDS = 180;

    private final List<PopulationBuilder> stages = new ArrayList<>();
    private int named;

    {
        untilBreakerClosed();
        waves(WARM_UP, WARM_UP_WAVES);
        waves(HEALTHY, WAVES / 2);
        mark("gateway hangs", () -> {
            Bench.recorder.refused(OUTAGE, ServerMetrics.refused());
            Bench.recorder.failedCalls(OUTAGE, ServerMetrics.failedCalls(CALL_BOUND_SECONDS));
            FakeVonage.instance().behave(new FakeVonage.Behaviour.Slow(HANG_MS));
        });
        waves(OUTAGE, WAVES);
        mark("gateway back", () -> {
            Bench.recorder.refused(OUTAGE, ServerMetrics.refused());
            Bench.recorder.failedCalls(OUTAGE, ServerMetrics.failedCalls(CALL_BOUND_SECONDS));
            FakeVonage.instance().reset();
        });
        untilBreakerClosed();
        waves(HEALTHY, WAVES - WAVES / 2);

        PopulationBuilder chain = stages.get(stages.size() - 1);
        for (int i = stages.size() - 2; i >= 0; i--) {
            chain = stages.get(i).andThen(chain);
        }
        setUp(chain).protocols(Logins.protocol());
    }

    /**
     * SMS logins every 2 s until one is the trial that closes the gateway's breaker (left open by an earlier run, or
     * by the outage), not measured; for {@value #BREAKER_WAIT_SECONDS} s at most. A breaker still open then is
     * recorded, and {@link LoginBenchmark} fails with that cause rather than with the waves' failed SMS logins.
     */
    private void untilBreakerClosed() {
        stages.add(scenario(name("until the gateway's breaker is closed"))
                .asLongAsDuring(session -> ServerMetrics.breakerOpen(), Duration.ofSeconds(BREAKER_WAIT_SECONDS)).on(
                        exec(Logins.login(Kind.SMS, RECOVERY, false)).pause(Duration.ofSeconds(2)))
                .injectOpen(atOnceUsers(1)));
        mark("breaker closed?", () -> {
            if (ServerMetrics.breakerOpen()) {
                Bench.breakerLeftOpen = true;
            }
        });
    }

    /** {@code count} waves of {@value #USERS_PER_KIND} TOTP and {@value #USERS_PER_KIND} SMS users at once. */
    private void waves(String series, int count) {
        for (int wave = 0; wave < count; wave++) {
            AtomicInteger turn = new AtomicInteger();
            stages.add(scenario(name(series + ", wave " + (wave + 1)))
                    .exec(doIfOrElse(session -> turn.getAndIncrement() % 2 == 0)
                            .then(Logins.login(Kind.TOTP, series, false))
                            .orElse(Logins.login(Kind.SMS, series, false)))
                    .injectOpen(atOnceUsers(2 * USERS_PER_KIND)));
        }
    }

    private void mark(String what, Runnable action) {
        stages.add(scenario(name(what)).exec(session -> {
            action.run();
            return session;
        }).injectOpen(atOnceUsers(1)));
    }

    private String name(String base) {
        return base + " #" + (++named);
    }
}
