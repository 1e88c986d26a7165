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
 * run may have opened it), first {@value #WAVES} waves with the fake gateway
 * answering at once ({@value #HEALTHY}), then {@value #WAVES} waves while it answers no SMS within the sender's
 * timeout ({@value #OUTAGE}; it holds every request for {@value #HANG_MS} ms). The TOTP logins of both are compared.
 */
public class GatewayOutageSimulation extends Simulation {

    /** SMS logins that wait for the breaker to close, not measured. */
    static final String RECOVERY = "outage run: waiting for the breaker to close";
    static final String HEALTHY = "outage run: gateway up";
    static final String OUTAGE = "outage run: gateway hangs";
    static final int WAVES = 8;
    static final int USERS_PER_KIND = 20;
    /** Far beyond the sender's 5 s timeout. */
    static final long HANG_MS = 30_000;

    private final List<PopulationBuilder> stages = new ArrayList<>();
    private int named;

    {
        // A run before may have left the breaker open: SMS logins every 2 s until one is the trial that closes it.
        stages.add(scenario(name("until the gateway's breaker is closed"))
                .asLongAs(session -> ServerMetrics.breakerOpen()).on(
                        exec(Logins.login(Kind.SMS, RECOVERY, false)).pause(Duration.ofSeconds(2)))
                .injectOpen(atOnceUsers(1)));
        for (String series : List.of(HEALTHY, OUTAGE)) {
            if (series.equals(OUTAGE)) {
                mark("gateway hangs", () -> FakeVonage.instance().behave(new FakeVonage.Behaviour.Slow(HANG_MS)));
            }
            for (int wave = 0; wave < WAVES; wave++) {
                AtomicInteger turn = new AtomicInteger();
                stages.add(scenario(name(series + ", wave " + (wave + 1)))
                        .exec(doIfOrElse(session -> turn.getAndIncrement() % 2 == 0)
                                .then(Logins.login(Kind.TOTP, series, false))
                                .orElse(Logins.login(Kind.SMS, series, false)))
                        .injectOpen(atOnceUsers(2 * USERS_PER_KIND)));
            }
        }
        mark("gateway back", () -> FakeVonage.instance().reset());

        PopulationBuilder chain = stages.get(stages.size() - 1);
        for (int i = stages.size() - 2; i >= 0; i--) {
            chain = stages.get(i).andThen(chain);
        }
        setUp(chain).protocols(Logins.protocol());
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
