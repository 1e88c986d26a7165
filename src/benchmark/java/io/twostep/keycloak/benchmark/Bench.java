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
     * Seconds of warm-up at 20 users. On two cores the server's CPU per login was still falling after 40 s of it
     * (from 96 to 37 ms per TOTP login over the next two minutes, most of the difference the JIT's compilations),
     * and the measured stages should see a server in steady state.
     */
    static volatile int warmUpSeconds = 120;
    /** Interleaved rounds at one user (one login of each kind per round, in a shuffled order). */
    static volatile int rounds = 300;
    /** Seconds of each stretch of one kind at 20 users. */
    static volatile int sliceSeconds = 8;
    /**
     * Passes over the kinds at 20 users (forward, backward, forward, …): the machine's speed drifts, and short
     * stretches of each kind in turn spread a drift over every kind alike.
     */
    static volatile int passes = 4;
    /** When set, TOTP and SMS logins are profiled with JFR after the measured stages; otherwise {@code null}. */
    static volatile Profiler profiler;
    /** Seconds of each profiled stretch (20 users, one kind). */
    static final int PROFILE_SECONDS = 20;

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
