package io.twostep.keycloak.benchmark;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Simulation;
import io.twostep.keycloak.support.FakeVonage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.doSwitch;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.onCase;
import static io.gatling.javaapi.core.CoreDsl.scenario;

/**
 * The four kinds of login side by side on one Keycloak, one stage after the other:
 * <ol>
 *     <li>set-up: one SMS login per remembered-device account, ticking "Remember this device";</li>
 *     <li>with profiling on, the profiler loaded into the server (see {@link Profiler#prime});</li>
 *     <li>warm-up: 20 users for {@link Bench#warmUpSeconds} s from {@link Logins#WARM_UP_ADDRESS}, the kinds in
 *     turn, so that the server's JIT has compiled every path, the SMS step's (the gateway's HTTP client, its JSON)
 *     as well as the paths every login takes;</li>
 *     <li>{@value #ONE_USER_WARM_UP}: {@value #ONE_USER_WARM_UP_ROUNDS} untimed rounds at one user;</li>
 *     <li>the realm's sessions removed ({@link Bench#removeSessions}), as before each stretch at 20 users and
 *     each profiled stretch;</li>
 *     <li>{@value #ONE_USER}: one user, {@link Bench#rounds} rounds of one login of each kind in a shuffled order,
 *     the server's CPU time read around each login;</li>
 *     <li>{@value #TWENTY_USERS}: 20 concurrent users, one kind at a time for {@link Bench#sliceSeconds} s, in
 *     {@link Bench#passes} passes over the kinds (forward, backward, forward, …), the server's CPU time read around
 *     each stretch;</li>
 *     <li>only with profiling on ({@link Bench#profiler}): 20 users of TOTP, then of SMS, for
 *     {@link Bench#PROFILE_SECONDS} s each, with async-profiler sampling the server around each;</li>
 *     <li>{@value #MIXED} and {@value #SLOW}: 20 concurrent users, the kinds in turn, with the fake gateway
 *     answering at once, then answering a quarter of the SMS accounts only after 10 s.</li>
 * </ol>
 */
public class LoginSimulation extends Simulation {

    static final String ONE_USER = "1 user";
    static final String TWENTY_USERS = "20 users";
    /** Untimed rounds at one user before the measured ones. */
    static final String ONE_USER_WARM_UP = "1 user, warm-up";
    static final int ONE_USER_WARM_UP_ROUNDS = 100;
    static final String MIXED = "20 users, mixed";
    /** Series of the profiled stretches, followed by the kind. */
    static final String PROFILE = "profile-";
    static final String SLOW = "20 users, mixed, 10 s gateway delay for a quarter of SMS accounts";
    /** The fake gateway's delay for the slow accounts, in milliseconds. */
    static final long SLOW_MS = 10_000;
    /** Seconds of each mixed run. */
    static final int MIXED_SECONDS = 30;

    private final List<PopulationBuilder> stages = new ArrayList<>();
    private int named;

    {
        // One account after the other: all at once, they would take more than the sender's 16 send slots.
        stage(scenario("set-up: remember a device per account")
                .repeat(Bench.pool(Kind.DEVICE).all().size()).on(Logins.rememberDevice())
                .injectOpen(atOnceUsers(1)));
        if (Bench.profiler != null) {
            mark("profiler loaded", () -> Bench.profiler.prime());
        }
        stage(scenario("warm-up").exec(anyKind("warm-up"))
                .injectClosed(constantConcurrentUsers(20).during(Duration.ofSeconds(Bench.warmUpSeconds)))
                .protocols(Logins.protocol().localAddress(Logins.WARM_UP_ADDRESS)));

        ChainBuilder rounds = exec(session -> session);
        Random random = new Random(13);
        for (int round = 0; round < Bench.rounds; round++) {
            int number = round;
            rounds = rounds.exec(session -> session.set(Logins.ROUND, number));
            List<Kind> order = new ArrayList<>(Arrays.asList(Kind.values()));
            Collections.shuffle(order, random);
            for (Kind kind : order) {
                rounds = rounds.exec(Logins.login(kind, ONE_USER, true));
            }
        }
        // One user's logins take other branches than 20 users' (no contention, other timings): a few untimed rounds
        // first, so that what the JIT compiles again for them falls outside the measured rounds.
        ChainBuilder warmUpRounds = exec(session -> session);
        for (int round = 0; round < ONE_USER_WARM_UP_ROUNDS; round++) {
            List<Kind> order = new ArrayList<>(Arrays.asList(Kind.values()));
            Collections.shuffle(order, random);
            for (Kind kind : order) {
                warmUpRounds = warmUpRounds.exec(Logins.login(kind, ONE_USER_WARM_UP, false));
            }
        }
        stage(scenario(ONE_USER_WARM_UP).exec(warmUpRounds).injectOpen(atOnceUsers(1)));
        mark("sessions removed", () -> Bench.removeSessions.run());
        mark("gateway time before", () -> Bench.recorder.gatewayTime(ONE_USER, ServerMetrics.gatewayTime()));
        stage(scenario(ONE_USER).exec(rounds).injectOpen(atOnceUsers(1)));
        mark("gateway time after", () -> Bench.recorder.gatewayTime(ONE_USER, ServerMetrics.gatewayTime()));

        mark("gateway time before", () -> Bench.recorder.gatewayTime(TWENTY_USERS, ServerMetrics.gatewayTime()));
        List<Kind> forward = Arrays.asList(Kind.values());
        List<Kind> backward = new ArrayList<>(forward);
        Collections.reverse(backward);
        for (int p = 0; p < Bench.passes; p++) {
            List<Kind> pass = p % 2 == 0 ? forward : backward;
            for (Kind kind : pass) {
                mark("begin", () -> {
                    Bench.removeSessions.run();
                    Bench.recorder.beginSlice(TWENTY_USERS, kind);
                });
                stage(scenario(name(TWENTY_USERS + ": " + kind.label)).exec(Logins.login(kind, TWENTY_USERS, false))
                        .injectClosed(constantConcurrentUsers(20).during(Duration.ofSeconds(Bench.sliceSeconds))));
                mark("end", () -> Bench.recorder.endSlice(TWENTY_USERS, kind));
            }
        }

        mark("gateway time after", () -> Bench.recorder.gatewayTime(TWENTY_USERS, ServerMetrics.gatewayTime()));

        if (Bench.profiler != null) {
            for (Kind kind : List.of(Kind.TOTP, Kind.SMS)) {
                String series = PROFILE + kind.name().toLowerCase(java.util.Locale.ROOT);
                mark("profile start", () -> {
                    Bench.removeSessions.run();
                    Bench.profiler.start(series);
                });
                stage(scenario(name(series)).exec(Logins.login(kind, series, false))
                        .injectClosed(constantConcurrentUsers(20).during(Duration.ofSeconds(Bench.PROFILE_SECONDS))));
                mark("profile stop", () -> Bench.profiler.stop(series));
            }
        }

        mixed(MIXED);
        mark("slow gateway on", () -> Bench.slowSms.all()
                .forEach(u -> FakeVonage.instance().behaveFor(u.number(), new FakeVonage.Behaviour.Slow(SLOW_MS))));
        mark("refusals before", () -> Bench.recorder.refused(SLOW, ServerMetrics.refused()));
        mixed(SLOW);
        mark("refusals after", () -> Bench.recorder.refused(SLOW, ServerMetrics.refused()));
        mark("slow gateway off", () -> FakeVonage.instance().reset());

        PopulationBuilder chain = stages.get(stages.size() - 1);
        for (int i = stages.size() - 2; i >= 0; i--) {
            chain = stages.get(i).andThen(chain);
        }
        setUp(chain).protocols(Logins.protocol());
    }

    /** 20 users for {@value #MIXED_SECONDS} s, each new one taking the next kind in turn. */
    private void mixed(String series) {
        mark("begin", () -> Arrays.stream(Kind.values()).forEach(k -> Bench.recorder.beginSlice(series, k)));
        stage(scenario(name(series)).exec(anyKind(series))
                .injectClosed(constantConcurrentUsers(20).during(Duration.ofSeconds(MIXED_SECONDS))));
        mark("end", () -> Bench.recorder.endSlices(series, Arrays.asList(Kind.values())));
    }

    /** @return one login of the next kind in turn */
    private static ChainBuilder anyKind(String series) {
        AtomicInteger turn = new AtomicInteger();
        return exec(session -> session.set("kind", Kind.values()[turn.getAndIncrement() % Kind.values().length]))
                .exec(doSwitch(session -> session.get("kind")).on(Arrays.stream(Kind.values())
                        .map(kind -> onCase(kind).then(Logins.login(kind, series, false))).toList()));
    }

    private void mark(String what, Runnable action) {
        stage(scenario(name(what)).exec(session -> {
            action.run();
            return session;
        }).injectOpen(atOnceUsers(1)));
    }

    private void stage(PopulationBuilder population) {
        stages.add(population);
    }

    /** Gatling wants a distinct name per scenario. */
    private String name(String base) {
        return base + " #" + (++named);
    }
}
