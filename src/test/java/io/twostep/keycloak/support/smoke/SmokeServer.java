package io.twostep.keycloak.support.smoke;

import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.cluster.KeycloakNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Keycloak of another version than the one the journeys run on (the oldest supported, by default), from the
 * {@code keycloak-quarkus-dist} that Maven unpacked to {@code target/smoke/dist}: a fresh copy of it with
 * {@code target/providers/*} in {@code providers/}, started with {@code kc.sh start-dev} (development mode, its
 * embedded database, as a new user tries the extension) on ports {@value #HTTP_PORT} and {@value #MANAGEMENT_PORT},
 * with the real {@code vonage} sender pointed at {@link FakeVonage}. Its console output is
 * {@code target/smoke/node-S.log}.
 */
public final class SmokeServer {

    public static final int HTTP_PORT = 8280;
    public static final int MANAGEMENT_PORT = 9280;
    public static final String BASE_URL = "http://localhost:" + HTTP_PORT;
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-smoke-test";

    private final KeycloakNode node;
    private final String version;
    private Duration startUp;

    private SmokeServer(KeycloakNode node, String version) {
        this.node = node;
        this.version = version;
    }

    /** @return the Keycloak version Maven unpacked for the smoke test ({@code keycloak.smoke.version}) */
    public static String version() {
        return System.getProperty("twostep.smoke.version", "");
    }

    /** @return whether the unpacked distribution of {@link #version()} is there (it is after {@code mvn verify}) */
    public static boolean available() {
        return !version().isEmpty() && Files.isRegularFile(dist().resolve("bin/kc.sh"));
    }

    private static Path dist() {
        return Path.of(System.getProperty("twostep.smoke.dist", "target/smoke/dist/keycloak-" + version()));
    }

    /**
     * Copies the distribution afresh (no data of an earlier run), adds the providers and starts Keycloak.
     *
     * @return the running server; {@link #stop()} ends it
     * @throws IllegalStateException when it does not report ready within three minutes
     */
    public static SmokeServer start() throws IOException, InterruptedException {
        long started = System.nanoTime();
        Path base = Path.of(System.getProperty("twostep.smoke.dir", "target/smoke")).toAbsolutePath();
        Path home = base.resolve("node-s");
        List<String> options = List.of(
                "--http-port=" + HTTP_PORT,
                "--http-management-port=" + MANAGEMENT_PORT,
                "--hostname=" + BASE_URL,
                "--health-enabled=true",
                "--features=declarative-ui",
                "--spi-sms-sender--vonage--api-key=" + FakeVonage.API_KEY,
                "--spi-sms-sender--vonage--api-secret=" + FakeVonage.API_SECRET,
                "--spi-sms-sender--vonage--from=TwoStep",
                "--spi-sms-sender--vonage--base-uri=" + FakeVonage.instance().baseUri(),
                // every login comes from 127.0.0.1
                "--spi-sms-limits--default--per-ip-per-hour=10000");
        KeycloakNode node = new KeycloakNode("S", home, HTTP_PORT, MANAGEMENT_PORT, List.of("start-dev"), options,
                Map.of("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN,
                        "KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD,
                        "JAVA_OPTS_KC_HEAP", "-Xms128m -Xmx768m"));
        node.killLeftover();
        exec("rm", "-rf", home.toString());
        exec("cp", "-a", dist().toString(), home.toString());
        Path built = Path.of(System.getProperty("twostep.providers", "target/providers"));
        try (var jars = Files.list(built)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.copy(jar, home.resolve("providers").resolve(jar.getFileName()));
            }
        }
        Files.deleteIfExists(node.log());
        SmokeServer server = new SmokeServer(node, version());
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
        node.start();
        node.awaitReady(Duration.ofMinutes(3));
        server.startUp = Duration.ofNanos(System.nanoTime() - started);
        return server;
    }

    private static void exec(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("failed: " + String.join(" ", command));
        }
    }

    /** Ends the server (SIGKILL to its process tree: nothing of it is kept); never throws. */
    public void stop() {
        try {
            node.kill();
        } catch (Exception e) {
            System.err.println("[smoke] " + e);
        }
    }

    /** @return the server, for the raw-HTTP browser */
    public KeycloakNode node() {
        return node;
    }

    /** @return the version this server was unpacked from */
    public String distributionVersion() {
        return version;
    }

    /** @return how long the copy, the providers and the start until ready took */
    public Duration startUp() {
        return startUp;
    }
}
