package io.twostep.keycloak.it;

import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.LogScanner;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs after every journey (its own Surefire execution): the server log that the whole suite produced, with our
 * loggers and the Vonage SDK at DEBUG, holds no code, no full number and no API secret (SECURITY.md S11).
 */
class ServerLogHygieneTest {

    @Test
    void serverLogHoldsNoCodeNumberOrSecret() throws IOException {
        Path log = TwoStepServerConfig.serverLog();
        Path secretsFile = Path.of(System.getProperty("twostep.secretsLog", "target/issued-secrets.txt"));
        assertTrue(Files.isRegularFile(log), "the suite wrote no server log at " + log);
        assertTrue(Files.isRegularFile(secretsFile), "the suite recorded no codes at " + secretsFile);
        StringBuilder logs = new StringBuilder();
        try (var files = Files.list(log.getParent())) {
            // Keycloak rotates its log file at start-up: read every generation.
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith(log.getFileName().toString()))
                    .toList()) {
                logs.append(Files.readString(file)).append('\n');
            }
        }
        String serverLog = logs.toString();
        assertTrue(serverLog.contains("SMS sender 'vonage' ready"), "the log is this suite's Keycloak log");
        assertTrue(serverLog.contains("type=\"LOGIN_ERROR\""), "the log holds the suite's login events");
        List<String> secrets = Files.readAllLines(secretsFile).stream().filter(s -> !s.isBlank()).distinct().toList();
        assertTrue(secrets.size() > 10, "too few codes and numbers recorded to mean anything: " + secrets.size());

        List<String> leaks = LogScanner.leaks(serverLog, secrets);
        assertEquals(List.of(), leaks, "secrets found in the server log");

        // The HTTP client's wire log was live (Keycloak's own outbound calls, e.g. the identity-provider journey's
        // token request, are in it), yet not one request to the SMS gateway is.
        List<String> wire = serverLog.lines()
                .filter(l -> l.contains("[org.apache.http.wire]") || l.contains("[org.apache.http.headers]")).toList();
        assertTrue(!wire.isEmpty(), "org.apache.http.wire was at DEBUG but logged nothing: the check proves nothing");
        assertEquals(List.of(), wire.stream().filter(l -> l.contains("/sms/json") || l.contains("message-count")
                        || l.contains(FakeVonage.API_KEY)).toList(),
                "requests to or answers from the SMS gateway in the HTTP wire log");
    }
}
