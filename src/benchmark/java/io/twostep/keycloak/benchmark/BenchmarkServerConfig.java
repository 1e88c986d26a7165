package io.twostep.keycloak.benchmark;

import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.keycloak.testframework.server.KeycloakServerConfig;
import org.keycloak.testframework.server.KeycloakServerConfigBuilder;

import java.nio.file.Path;

/**
 * The Keycloak of the load benchmark: the journeys' server (our jar and the libraries we ship, the real
 * {@code vonage} sender pointed at {@link FakeVonage}) as an operator would run it, not as the tests do. Sender
 * options at their production defaults (timeout 5000 ms, 16 sends at once; {@code -Dbenchmark.maxConcurrentSends}
 * sets the second, to size it against the slow-gateway run), log levels at INFO (the journeys turn
 * DEBUG on for the log scan, which costs CPU on every request), and theme and template caches on: {@code start-dev},
 * which the test framework always runs, switches them off, so that every page would parse its templates again and
 * bury the cost of a step under the cost of the theme. The budgets that every login from 127.0.0.1 would reach
 * (client address, realm) are raised; the per-user and per-number ones keep their defaults, and the benchmark
 * spreads its SMS over enough users to stay below them. With {@code -Dbenchmark.database=postgres} the server's
 * database is a PostgreSQL in processes of its own ({@link DatabaseProcess}) instead of H2 inside its JVM.
 */
public class BenchmarkServerConfig implements KeycloakServerConfig {

    @Override
    public KeycloakServerConfigBuilder configure(KeycloakServerConfigBuilder config) {
        if (onPostgres()) {
            // Before the server: the test framework's "remote" database gives it this one's URL (see the pom).
            DatabaseProcess.start(Integer.getInteger("twostep.benchmark.postgresPort", 55432));
        }
        FakeVonage vonage = FakeVonage.instance();
        TwoStepServerConfig.withProviders(config)
                .spiOption("sms-sender", "vonage", "api-key", FakeVonage.API_KEY)
                .spiOption("sms-sender", "vonage", "api-secret", FakeVonage.API_SECRET)
                .spiOption("sms-sender", "vonage", "from", "TwoStep")
                .spiOption("sms-sender", "vonage", "base-uri", vonage.baseUri())
                .spiOption("sms-sender", "vonage", "max-concurrent-sends",
                        Integer.toString(Integer.getInteger("twostep.benchmark.maxConcurrentSends", 16)))
                .spiOption("sms-limits", "default", "per-ip-per-hour", "10000")
                .spiOption("sms-limits", "default", "realm-per-hour", "1000000")
                .option("spi-theme--cache-themes", "true")
                .option("spi-theme--cache-templates", "true")
                .option("hostname", "http://localhost:8080")
                .option("metrics-enabled", "true")
                .option("log-file", serverLog().toString());
        config.log().handlers(KeycloakServerConfigBuilder.LogHandlers.FILE);
        return config;
    }

    /** @return whether the server runs on PostgreSQL ({@code -Dbenchmark.database=postgres}) rather than H2 */
    static boolean onPostgres() {
        return "postgres".equals(System.getProperty("twostep.benchmark.database"));
    }

    /** @return the benchmark server's log file, under {@code target/benchmark/} */
    public static Path serverLog() {
        return Path.of("target", "benchmark", "keycloak.log").toAbsolutePath();
    }
}
