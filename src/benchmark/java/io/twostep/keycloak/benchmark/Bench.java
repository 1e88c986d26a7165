package io.twostep.keycloak.benchmark;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * What {@link LoginBenchmark} prepared for the simulations, which Gatling runs in the same JVM: the realm, the
 * accounts of each kind, the recorder and the run's sizes. Set before a simulation starts, read while it runs.
 */
final class Bench {

    /** Client of the demo realm whose logins are measured; its redirect URIs allow any localhost port. */
    static final String CLIENT_ID = "demo-app";
    /** Never contacted: a finished login is the 302 to it with {@code code=}. */
    static final String REDIRECT_URI = "http://localhost:8081/callback";

    static volatile String serverUrl;
    /** The management endpoint (port 9000), for {@code /metrics}. */
    static volatile String managementUrl = "http://localhost:9000";
    static volatile String realmName;
    static volatile Recorder recorder;
    static final Map<Kind, UserPool> POOLS = new EnumMap<>(Kind.class);
    /** SMS accounts whose sends the fake gateway answers only after 10 s in the slow-gateway run. */
    static volatile UserPool slowSms;

    /**
     * Seconds of warm-up at 20 users. The measured stages should see a server in steady state, and code that runs
     * once per login of one kind (the SMS step's HTTP client, the gateway's JSON; the TOTP form) is called a quarter
     * as often as the code every login runs: the JIT compiles it with its optimising compiler (C2) only after some
     * thousands of calls, later still while that compiler's queue is long. After 120 s the SMS logins still spent
     * more of the server's CPU in the JIT compiler and in their own (less optimised) code than the TOTP logins;
     * after 480 s the JIT compiler's share at one user was the same for both kinds (at 20 users, SMS logins still
     * had 0.7 ms more of it). Both JVMs now also run with the JIT's thresholds at a tenth ({@code benchmark.jit} in
     * the POM), after which its share at 20 users is 0.1 to 0.3 ms per login for every kind.
     */
    static volatile int warmUpSeconds = 480;
    /**
     * Interleaved rounds at one user (one login of each kind per round, in a shuffled order). A young collection or
     * a compilation that falls into one login adds milliseconds to its CPU time: more rounds narrow the ratio's
     * interval, at about 0.2 s per round.
     */
    static volatile int rounds = 600;
    /** Seconds of each stretch of one kind at 20 users. */
    static volatile int sliceSeconds = 8;
    /**
     * Passes over the kinds at 20 users (forward, backward, forward, …): the machine's speed drifts, and short
     * stretches of each kind in turn spread a drift over every kind alike.
     */
    static volatile int passes = 6;
    /**
     * Removes every session of the realm (the admin API's {@code logout-all}) and records how many there were before
     * and after. Each login leaves a user session, and with Keycloak's persistent sessions a row in the database's
     * session tables, which would grow by some thousands over a stage: a later stretch would read and write a
     * larger table than an earlier one. Run before each measured stage and each stretch at 20 users.
     */
    static volatile Runnable removeSessions = () -> { };
    /** When set, TOTP and SMS logins are profiled (async-profiler) after the measured stages; otherwise {@code null}. */
    static volatile Profiler profiler;
    /**
     * Set when the outage run's wait for the gateway's breaker to close ran out (its trials never found the gateway
     * up): the waves after it then ran with the breaker open.
     */
    static volatile boolean breakerLeftOpen;
    /** Seconds of each profiled stretch (20 users, one kind). */
    static final int PROFILE_SECONDS = 30;

    private Bench() {
    }

    static UserPool pool(Kind kind) {
        return POOLS.get(kind);
    }

    /** @return the path of the realm's authorization endpoint with the benchmark client's parameters */
    static String authPath() {
        return "/realms/" + realmName + "/protocol/openid-connect/auth?client_id=" + CLIENT_ID
                + "&redirect_uri=" + URLEncoder.encode(REDIRECT_URI, StandardCharsets.UTF_8)
                + "&response_type=code&scope=openid&state=benchmark";
    }
}
