package io.twostep.keycloak.it;

import io.twostep.keycloak.support.IssuedSecrets;
import org.keycloak.testframework.remote.runonserver.RunOnServerClient;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Inside the running Keycloak: the Vonage SDK loggers the product silences are off, while a logger beside them
 * under {@code com.vonage} is at DEBUG and writes a control line with this run's id to the server log. The
 * log-hygiene test then requires that control line and not one line of the silenced loggers, so a quiet log means
 * "silenced", never "nothing was logged at all".
 */
final class ServerLogControl {

    /** The SDK loggers that print request bodies or signing input, which the product turns off. */
    static final List<String> SILENCED = List.of("com.vonage.client.auth.RequestSigning",
            "com.vonage.client.AbstractMethod", "com.vonage.client.DynamicEndpoint", "com.vonage.client.sms");
    /** A logger under {@code com.vonage} that the product leaves alone. */
    static final String CONTROL_LOGGER = "com.vonage.client.TwoStepLogControl";

    private ServerLogControl() {
    }

    /** @return the control line written for this run and server */
    static String controlLine(String server) {
        return "two-step log control, run " + IssuedSecrets.runId() + ", server " + server;
    }

    /** Writes the control line on the server and checks the levels there. */
    static void check(RunOnServerClient runOnServer, String server) {
        String line = controlLine(server);
        List<String> silenced = SILENCED;
        String control = CONTROL_LOGGER;
        String levels = runOnServer.fetchString(session -> {
            StringBuilder out = new StringBuilder();
            for (String name : silenced) {
                // Off when even a SEVERE record would be dropped, by the logger's level or by its filter.
                Logger logger = Logger.getLogger(name);
                java.util.logging.LogRecord probe = new java.util.logging.LogRecord(Level.SEVERE, "probe");
                boolean publishes = logger.isLoggable(Level.SEVERE)
                        && (logger.getFilter() == null || logger.getFilter().isLoggable(probe));
                out.append(name).append(publishes ? " on;" : " off;");
            }
            Logger controlLogger = Logger.getLogger(control);
            controlLogger.fine(line);
            out.append(control).append(controlLogger.isLoggable(Level.FINE) ? " on;" : " off;");
            return out.toString();
        });
        StringBuilder expected = new StringBuilder();
        silenced.forEach(name -> expected.append(name).append(" off;"));
        expected.append(control).append(" on;");
        assertEquals(expected.toString(), levels.replaceAll("^\"|\"$", ""),
                "silenced SDK loggers are off, their com.vonage neighbour is at DEBUG");
    }
}
