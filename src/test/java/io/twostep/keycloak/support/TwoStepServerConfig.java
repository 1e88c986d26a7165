package io.twostep.keycloak.support;

import org.keycloak.common.Profile;
import org.keycloak.testframework.server.KeycloakServerConfig;
import org.keycloak.testframework.server.KeycloakServerConfigBuilder;

import java.nio.file.Path;

/**
 * The Keycloak every journey test runs against: our jar plus the libraries we ship, the real {@code vonage}
 * sender pointed at {@link FakeVonage} (with the API secret, or signed requests where {@link #signedRequests()}
 * says so), our loggers, the Vonage SDK (request signing included) and Apache HttpClient's wire and header logs at
 * DEBUG, and a server log file that the log-hygiene test scans after the suite.
 */
public class TwoStepServerConfig implements KeycloakServerConfig {

    /** Timeout the tests give the Vonage client, in milliseconds; the fake's slow mode waits longer. */
    public static final int VONAGE_TIMEOUT_MS = 2000;

    /**
     * SMS per client address per hour. Every journey comes from 127.0.0.1, but the budget counts per realm and each
     * journey class has a realm of its own ({@link FreshRealmId}); the busiest ({@code TrustedDeviceJourneyTest})
     * sends 72 SMS in its realm. {@code SpoofedForwardedForTest} spends this budget in its realm.
     */
    public static final int PER_IP_PER_HOUR = 200;

    @Override
    public KeycloakServerConfigBuilder configure(KeycloakServerConfigBuilder config) {
        FakeVonage vonage = FakeVonage.instance();
        withProviders(config)
                .spiOption("sms-sender", "vonage", "api-key", FakeVonage.API_KEY)
                .spiOption("sms-sender", "vonage", "from", "TwoStep")
                .spiOption("sms-sender", "vonage", "base-uri", vonage.baseUri())
                .spiOption("sms-sender", "vonage", "timeout-ms", Integer.toString(VONAGE_TIMEOUT_MS))
                .spiOption("sms-limits", "default", "per-ip-per-hour", Integer.toString(PER_IP_PER_HOUR))
                .option("log-file", serverLog().toString())
                .option("metrics-enabled", "true") // our meters on the management endpoint's /metrics
                // Themes cached as in production (start-dev turns it off), so the SMS text's cache runs here too.
                .option("spi-theme--cache-themes", "true")
                .features(Profile.Feature.DECLARATIVE_UI); // the admin console's "Two-step login" tab
        if (signedRequests()) {
            config.spiOption("sms-sender", "vonage", "signature-secret", FakeVonage.SIGNATURE_SECRET);
        } else {
            config.spiOption("sms-sender", "vonage", "api-secret", FakeVonage.API_SECRET);
        }
        if (hostname() != null) {
            config.option("hostname", hostname());
        }
        config.log()
                .handlers(KeycloakServerConfigBuilder.LogHandlers.FILE)
                .categoryLevel("io.twostep", "debug")
                .categoryLevel("com.vonage", "debug")
                // The SDK's request signing prints its whole input (number, text, secret); the product silences it.
                .categoryLevel("com.vonage.client.auth.RequestSigning", "debug")
                // The HTTP client's wire and header logs print whole requests: on, to prove ours stay out of them.
                .categoryLevel("org.apache.http.wire", "debug")
                .categoryLevel("org.apache.http.headers", "debug")
                .categoryLevel("org.keycloak.events", "debug"); // every event goes to the log, and is scanned
        return config;
    }

    /**
     * @return the {@code hostname} option, as production sets it (the README's advice); {@code null} leaves it
     *         unset, so that the host comes from each request as in a bare {@code start-dev}
     */
    protected String hostname() {
        return "http://localhost:8080";
    }

    /**
     * @return {@code true} to send signed requests ({@code signature-secret}) instead of the API secret, so the
     *         SDK's request-signing path runs inside Keycloak
     */
    protected boolean signedRequests() {
        return false;
    }

    /**
     * Puts into the server's {@code providers/} what an operator copies there: this project's jar and the libraries
     * Keycloak lacks (the same as {@code target/providers/}).
     *
     * @return {@code config}, for chaining
     */
    public static KeycloakServerConfigBuilder withProviders(KeycloakServerConfigBuilder config) {
        return config.dependencyCurrentProject()
                .dependency("com.vonage", "server-sdk")
                .dependency("com.vonage", "jwt")
                .dependency("com.auth0", "java-jwt")
                .dependency("org.apache.httpcomponents", "httpmime")
                .dependency("com.googlecode.libphonenumber", "libphonenumber");
    }

    /**
     * @return absolute path of the server log file of this run: Maven names it after the build, so a log of an
     *         earlier run is never read as this one's
     */
    public static Path serverLog() {
        return Path.of(System.getProperty("twostep.serverLog", "target/keycloak-server.log")).toAbsolutePath();
    }
}
