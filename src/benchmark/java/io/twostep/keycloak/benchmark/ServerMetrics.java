package io.twostep.keycloak.benchmark;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SMS gateway's circuit breaker as the server's {@code /metrics} shows it
 * ({@code twostep_sms_gateway_breaker_open}), so that a stage of the benchmark can wait until it is closed again
 * before it measures SMS logins.
 */
final class GatewayBreaker {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern GAUGE = Pattern.compile("(?m)^twostep_sms_gateway_breaker_open(?:\\{[^}]*\\})? (\\S+)$");

    private GatewayBreaker() {
    }

    /**
     * @return whether the breaker is open now
     * @throws IllegalStateException when the management endpoint does not answer or lacks the gauge
     */
    static boolean open() {
        try {
            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(Bench.managementUrl + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher gauge = GAUGE.matcher(metrics);
            if (!gauge.find()) {
                throw new IllegalStateException("no twostep_sms_gateway_breaker_open on /metrics");
            }
            return Double.parseDouble(gauge.group(1)) > 0;
        } catch (IOException e) {
            throw new IllegalStateException("the management endpoint did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
