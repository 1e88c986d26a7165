package io.twostep.keycloak.it;

import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.IssuedSecrets;
import io.twostep.keycloak.support.LogScanner;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs after every journey (its own Surefire execution): the server log of this run, with our loggers, the Vonage
 * SDK (request signing included) and the HTTP client's wire log at DEBUG, holds no code, no phone number in any
 * written form, no password, TOTP secret, API or signature secret. Only this run's files count: the server log is
 * named after the build and the secrets file starts with the build's id. The phone numbers looked for are every
 * number the suite made or typed (refused and failed ones too) and every phone-number literal in the test sources.
 */
class ServerLogHygieneTest {

    private static final Pattern STRING_LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");
    private static final Pattern PHONE_LITERAL = Pattern.compile("(?:\\+|%2B|0|\\()[0-9 ()\\-/.]*|\\d{11,15}");

    @Test
    void serverLogHoldsNoCodeNumberOrSecret() throws IOException {
        List<String> secrets = thisRunsSecrets();
        String serverLog = thisRunsServerLog();
        assertTrue(serverLog.contains("SMS sender 'vonage' ready"), "the log is this suite's Keycloak log");
        assertTrue(serverLog.contains("type=\"LOGIN_ERROR\""), "the log holds the suite's login events");

        long numbers = secrets.stream().filter(s -> s.startsWith("number:")).distinct().count();
        long codes = secrets.stream().filter(s -> s.startsWith("code:")).distinct().count();
        assertTrue(numbers > 50 && codes > 50, "too few numbers (" + numbers + ") and codes (" + codes
                + ") recorded to mean anything");
        assertTrue(secrets.contains("fact:" + FakeVonage.SIGNED_REQUEST),
                "no signed request reached the gateway: the SDK's signing path did not run in Keycloak");

        List<String> leaks = LogScanner.leaks(serverLog, secrets);
        assertEquals(List.of(), leaks.stream().limit(50).toList(), leaks.size() + " secrets found in the server log");
    }

    /**
     * The SDK loggers the product silences printed nothing, although the SMS went through the SDK (signed ones too)
     * and a logger beside them under {@code com.vonage} did print at DEBUG on each server of this run.
     */
    @Test
    void silencedLoggersPrintedNothingWhereTheirNeighbourPrinted() throws IOException {
        String serverLog = thisRunsServerLog();
        for (String server : List.of("journeys", "limits")) {
            assertTrue(serverLog.lines().anyMatch(l -> l.contains("[" + ServerLogControl.CONTROL_LOGGER + "]")
                            && l.contains(ServerLogControl.controlLine(server))),
                    "no DEBUG control line of com.vonage from the " + server + " server: a quiet log would prove "
                            + "nothing");
        }
        for (String silenced : ServerLogControl.SILENCED) {
            assertEquals(List.of(), serverLog.lines().filter(l -> l.contains("[" + silenced)).limit(5).toList(),
                    silenced + " is silenced by the product, yet printed");
        }
    }

    /** The HTTP client's wire log was live, yet not one request to the SMS gateway is in it. */
    @Test
    void gatewayTrafficStaysOutOfTheHttpWireLog() throws IOException {
        // Keycloak's own outbound calls, e.g. the identity-provider journey's token request, are in it.
        List<String> wire = thisRunsServerLog().lines()
                .filter(l -> l.contains("[org.apache.http.wire]") || l.contains("[org.apache.http.headers]")).toList();
        assertTrue(!wire.isEmpty(), "org.apache.http.wire was at DEBUG but logged nothing: the check proves nothing");
        assertEquals(List.of(), wire.stream().filter(l -> l.contains("/sms/json") || l.contains("message-count")
                        || l.contains(FakeVonage.API_KEY)).toList(),
                "requests to or answers from the SMS gateway in the HTTP wire log");
    }

    /**
     * The security notices the suite received: no line of the server log holds a line of a notice's text, and no
     * line but Keycloak's own event log ({@code org.keycloak.events}, at DEBUG on the journey servers, which names
     * addresses in e.g. {@code SEND_RESET_PASSWORD}) holds an address a notice went to.
     */
    @Test
    void noticeAddressesAndTextsStayOutOfTheLog() throws IOException {
        List<String> secrets = thisRunsSecrets();
        List<String> addresses = secrets.stream().filter(s -> s.startsWith("address:"))
                .map(s -> s.substring("address:".length()).toLowerCase(java.util.Locale.ROOT)).distinct().toList();
        List<String> texts = secrets.stream().filter(s -> s.startsWith("notice:"))
                .map(s -> s.substring("notice:".length())).distinct().toList();
        assertTrue(addresses.size() >= 5 && texts.size() >= 5, "too few notices recorded (" + addresses.size()
                + " addresses, " + texts.size() + " lines) to mean anything");
        List<String> found = new ArrayList<>();
        for (String line : thisRunsServerLog().lines().toList()) {
            String lower = line.toLowerCase(java.util.Locale.ROOT);
            if (!line.contains("[org.keycloak.events]")) {
                addresses.stream().filter(a -> lower.contains(a) || lower.contains(a.replace("@", "%40")))
                        .forEach(a -> found.add("address " + a + " in: " + line));
            }
            texts.stream().filter(line::contains).forEach(t -> found.add("notice text in: " + line));
        }
        assertEquals(List.of(), found.stream().limit(20).toList(), found.size() + " notice leaks in the server log");
    }

    /** @return the secrets file's lines, after checking it is this run's, plus the test sources' phone literals */
    private static List<String> thisRunsSecrets() throws IOException {
        Path file = IssuedSecrets.file();
        assertTrue(Files.isRegularFile(file), "the suite recorded no secrets at " + file);
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        assertEquals(IssuedSecrets.RUN_HEADER + IssuedSecrets.runId(), lines.get(0),
                "the secrets file is from another run");
        lines.addAll(phoneLiteralsInTestSources());
        return lines;
    }

    /** @return this run's server log: its file and the generations Keycloak rotated at each start, nothing older */
    private static String thisRunsServerLog() throws IOException {
        Path log = TwoStepServerConfig.serverLog();
        assertTrue(Files.isRegularFile(log), "this run wrote no server log at " + log);
        StringBuilder text = new StringBuilder();
        String name = log.getFileName().toString();
        try (Stream<Path> files = Files.list(log.getParent())) {
            for (Path file : files.filter(f -> f.getFileName().toString().equals(name)
                    || f.getFileName().toString().matches(Pattern.quote(name) + "\\.\\d+")).sorted().toList()) {
                text.append(Files.readString(file)).append('\n');
            }
        }
        return text.toString();
    }

    /** Every string literal in the test sources that is written like a phone number, as {@code number:} lines. */
    static List<String> phoneLiteralsInTestSources() throws IOException {
        Path sources = Path.of(System.getProperty("twostep.testSources", "src/test/java"));
        assertTrue(Files.isDirectory(sources), "test sources not found at " + sources);
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher literal = STRING_LITERAL.matcher(Files.readString(file));
                while (literal.find()) {
                    String value = literal.group(1).replace("%2B", "+");
                    if (PHONE_LITERAL.matcher(value).matches() && value.replaceAll("\\D", "").length() >= 8) {
                        found.add("number:" + value);
                    }
                }
            }
        }
        return found;
    }
}
