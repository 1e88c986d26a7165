package io.twostep.keycloak.support.cluster;

import io.twostep.keycloak.support.FakeVonage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL and two production-mode Keycloak nodes that form one Infinispan cluster, started once per test JVM.
 * <p>
 * The distribution that Maven unpacked to {@code target/cluster/dist} gets {@code target/providers/*} and one
 * {@code kc.sh build}; each node runs a copy of it with {@code kc.sh start --optimized}. Both nodes carry the same
 * {@code --hostname} (the address a load balancer would have, {@value #PUBLIC_AUTHORITY}, where nothing listens):
 * tokens and links are the same whichever node answers, as behind a real load balancer, and the test's browser
 * picks the node for each request itself.
 */
public final class TwoNodeCluster {

    /** The public address both nodes are configured with (a load balancer's, in production). */
    public static final String PUBLIC_AUTHORITY = "localhost:8180";
    public static final String PUBLIC_URL = "http://" + PUBLIC_AUTHORITY;
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-cluster-test";
    public static final int PER_USER_PER_HOUR = 4;
    public static final int PER_NUMBER_PER_HOUR = 6;
    public static final int FAILURES_BEFORE_DELAY = 6;
    public static final int FAILURES_BEFORE_BLOCK = 7;
    static final int POSTGRES_PORT = 55433;

    /** Options of the one {@code kc.sh build}. */
    public static final List<String> BUILD_OPTIONS = List.of("--db=postgres", "--features=declarative-ui",
            "--metrics-enabled=true", "--health-enabled=true", "--cache=ispn");

    private static TwoNodeCluster instance;

    private final Path base;
    private final Postgres postgres;
    private final KeycloakNode a;
    private final KeycloakNode b;
    private Duration startUp;

    private TwoNodeCluster(Path base) {
        this.base = base;
        this.postgres = new Postgres(base, POSTGRES_PORT);
        this.a = node("A", 8181, 9101, 7811);
        this.b = node("B", 8182, 9102, 7812);
    }

    /** @return the started cluster of this JVM, starting it on first use; it stops when the JVM exits */
    public static synchronized TwoNodeCluster instance() throws Exception {
        if (instance == null) {
            TwoNodeCluster cluster = new TwoNodeCluster(Path.of(System.getProperty("twostep.cluster.dir",
                    "target/cluster")).toAbsolutePath());
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::shutdown));
            instance = cluster;
            cluster.startAll();
        }
        return instance;
    }

    /** @return whether this machine can run the cluster (PostgreSQL binaries for Linux x86-64 and the distribution) */
    public static boolean supported() {
        return Postgres.supported() && Files.isDirectory(dist());
    }

    private static Path dist() {
        return Path.of(System.getProperty("twostep.cluster.dist", "target/cluster/dist/keycloak-26.7.3"));
    }

    private KeycloakNode node(String name, int httpPort, int managementPort, int clusterPort) {
        List<String> options = new ArrayList<>(List.of(
                "--http-enabled=true",
                "--http-port=" + httpPort,
                "--http-management-port=" + managementPort,
                "--hostname=" + PUBLIC_URL,
                "--db-url=" + postgres.jdbcUrl(),
                "--db-username=postgres",
                "--db-password=postgres",
                "--cache-embedded-network-bind-address=127.0.0.1",
                "--cache-embedded-network-bind-port=" + clusterPort,
                "--spi-sms-sender--vonage--api-key=" + FakeVonage.API_KEY,
                "--spi-sms-sender--vonage--api-secret=" + FakeVonage.API_SECRET,
                "--spi-sms-sender--vonage--from=TwoStep",
                "--spi-sms-sender--vonage--base-uri=" + FakeVonage.instance().baseUri(),
                "--spi-sms-limits--default--per-user-per-hour=" + PER_USER_PER_HOUR,
                "--spi-sms-limits--default--per-number-per-hour=" + PER_NUMBER_PER_HOUR,
                "--spi-sms-limits--default--per-ip-per-hour=10000",
                "--spi-sms-limits--default--failures-before-delay=" + FAILURES_BEFORE_DELAY,
                "--spi-sms-limits--default--failures-before-block=" + FAILURES_BEFORE_BLOCK));
        return new KeycloakNode(name, base.resolve("node-" + name.toLowerCase(java.util.Locale.ROOT)), httpPort,
                managementPort, options, Map.of(
                        "KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN,
                        "KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD,
                        "JAVA_OPTS_KC_HEAP", "-Xms128m -Xmx768m"));
    }

    private void startAll() throws Exception {
        long started = System.nanoTime();
        a.killLeftover();
        b.killLeftover();
        postgres.stopQuietly(); // a server a killed run left behind, on the same data directory
        postgres.install();
        postgres.start();
        build();
        long built = System.nanoTime();
        a.start();
        a.awaitReady(Duration.ofMinutes(3));
        b.start();
        b.awaitReady(Duration.ofMinutes(3));
        awaitOneViewOfTwo(Duration.ofMinutes(2));
        startUp = Duration.ofNanos(System.nanoTime() - started);
        System.out.printf("[cluster] start-up %.1f s (PostgreSQL + kc.sh build %.1f s, two nodes and one view %.1f s)%n",
                startUp.toMillis() / 1000.0, (built - started) / 1e9, (System.nanoTime() - built) / 1e9);
    }

    /**
     * Waits until both nodes logged the same cluster view with both of them in it.
     *
     * @throws IllegalStateException when they do not, e.g. two single-node clusters
     */
    public void awaitOneViewOfTwo(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        KeycloakNode.ClusterView viewA = null;
        KeycloakNode.ClusterView viewB = null;
        while (System.nanoTime() < deadline) {
            viewA = a.lastView();
            viewB = b.lastView();
            if (viewA != null && viewA.equals(viewB) && viewA.size() == 2) {
                System.out.println("[cluster] one view of two: " + viewA);
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("no common two-member cluster view: A saw " + viewA + ", B saw " + viewB);
    }

    private void build() throws IOException, InterruptedException {
        Path dist = dist();
        Path providers = dist.resolve("providers");
        try (var old = Files.list(providers)) {
            for (Path p : old.toList()) {
                if (p.toString().endsWith(".jar")) {
                    Files.delete(p);
                }
            }
        }
        Path built = Path.of(System.getProperty("twostep.providers", "target/providers"));
        try (var jars = Files.list(built)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.copy(jar, providers.resolve(jar.getFileName()));
            }
        }
        List<String> command = new ArrayList<>(List.of(dist.resolve("bin/kc.sh").toString(), "build"));
        command.addAll(BUILD_OPTIONS);
        Path buildLog = base.resolve("build.log");
        Process build = new ProcessBuilder(command).directory(dist.toFile()).redirectErrorStream(true)
                .redirectOutput(buildLog.toFile()).start();
        if (!build.waitFor(5, TimeUnit.MINUTES) || build.exitValue() != 0) {
            throw new IllegalStateException("kc.sh build failed; see " + buildLog);
        }
        for (KeycloakNode node : List.of(a, b)) {
            Path home = base.resolve("node-" + node.name().toLowerCase(java.util.Locale.ROOT));
            exec("rm", "-rf", home.toString());
            exec("cp", "-a", dist.toString(), home.toString());
            Files.deleteIfExists(node.log());
        }
    }

    private static void exec(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("failed: " + String.join(" ", command));
        }
    }

    /** Stops both nodes and the database; never throws. */
    public synchronized void shutdown() {
        for (KeycloakNode node : List.of(a, b)) {
            try {
                node.kill();
            } catch (Exception e) {
                System.err.println("[cluster] node " + node.name() + ": " + e);
            }
        }
        postgres.stopQuietly();
    }

    public KeycloakNode a() {
        return a;
    }

    public KeycloakNode b() {
        return b;
    }

    public Postgres postgres() {
        return postgres;
    }

    /** @return how long PostgreSQL, the build and both nodes took until one view of two */
    public Duration startUp() {
        return startUp;
    }
}
