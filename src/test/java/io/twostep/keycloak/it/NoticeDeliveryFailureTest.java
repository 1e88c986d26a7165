package io.twostep.keycloak.it;

import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sending a notice never blocks or breaks the login: an SMTP server that refuses the connection, or one that takes
 * it and never answers (Keycloak waits up to 10 s per step for it), leaves the login as fast and as successful as
 * without notices, and the failure is logged without the address or the number.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class NoticeDeliveryFailureTest extends AbstractJourneyTest {

    /** @return a local port nothing listens on */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private void smtpAt(int port) {
        realm.updateWithCleanup(r -> r.smtp("localhost", port, "notices@example.org"));
    }

    /** Enrols a number for a new user and returns how long the code's submit took to reach the client, in ms. */
    private long enrol(String username, String number) {
        TestUsers.needingEnrolment(realm.admin(), username, null);
        passwordStep(username);
        phonePage.submitNumber(number);
        long started = System.nanoTime();
        codePage.enterCode(vonage.last(number).code());
        assertLoggedIn();
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }

    /** Waits up to 20 s for a line of this run's server log that contains {@code text}. */
    private static String logLine(String text) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < end) {
            for (String line : Files.readAllLines(TwoStepServerConfig.serverLog(), StandardCharsets.UTF_8)) {
                if (line.contains(text)) {
                    return line;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no log line with: " + text);
    }

    @Test
    void aRefusedMailServerLeavesTheLoginWorkingAndTheFailureIsLogged() throws Exception {
        smtpAt(closedPort());
        String number = TestUsers.newNumber();
        enrol("smtp-refused", number);
        String id = TestUsers.id(realm.admin(), "smtp-refused");
        String line = logLine("Security notice NUMBER_BOUND to user " + id);
        assertTrue(line.contains("not sent: EmailException"), line);
        assertFalse(line.contains("smtp-refused@example.org"), "no address in the log: " + line);
        assertFalse(line.contains(number.substring(3)), "no number in the log: " + line);
    }

    @Test
    void aMailServerThatNeverAnswersDoesNotHoldUpTheLogin() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        List<Socket> held = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0)) {
            Thread accepting = new Thread(() -> {
                try {
                    while (!silent.isClosed()) {
                        Socket socket = silent.accept(); // takes the connection and never says a word
                        held.add(socket);
                        connections.incrementAndGet();
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            accepting.setDaemon(true);
            accepting.start();
            smtpAt(silent.getLocalPort());

            long millis = enrol("smtp-silent", TestUsers.newNumber());
            System.out.println("[notices] code submitted to logged in, with an SMTP server that never answers: "
                    + millis + " ms");

            assertTrue(millis < 5_000, "the login did not wait for the mail server: " + millis + " ms");
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (connections.get() == 0 && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            assertTrue(connections.get() > 0, "a notice was on its way while the user was already logged in");
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }
}
