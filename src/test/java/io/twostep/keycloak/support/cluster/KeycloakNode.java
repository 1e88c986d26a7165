package io.twostep.keycloak.support.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Keycloak server run from an unpacked distribution with {@code kc.sh}: a production-mode node of the cluster
 * test (its own copy of the optimized distribution, {@code kc.sh start --optimized}) or the smoke test's server on
 * another Keycloak version ({@code kc.sh start-dev}). Its console output goes to {@code node-<name>.log} beside its
 * home. It can be stopped (SIGTERM, a graceful shutdown), killed (SIGKILL to the whole process tree) and started
 * again with the same options.
 */
public final class KeycloakNode {

    /** Infinispan's "Received new cluster view" line: view owner, view id, member count, members. */
    private static final Pattern VIEW = Pattern.compile(
            "ISPN000094: Received new cluster view for channel \\S+: \\[([^|\\]]+)\\|(\\d+)] \\((\\d+)\\) \\[([^\\]]*)]");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Path home;
    private final int httpPort;
    private final int managementPort;
    private final List<String> command;
    private final List<String> options;
    private final Map<String, String> environment;
    private Process process;
    private int starts;

    /**
     * @param name           short name (A, B) used in logs and reports
     * @param home           the node's own Keycloak home, already built
     * @param httpPort       HTTP port
     * @param managementPort management port ({@code /health}, {@code /metrics})
     * @param options        options after {@code start --optimized}
     * @param environment    extra environment (bootstrap admin)
     */
    public KeycloakNode(String name, Path home, int httpPort, int managementPort, List<String> options,
                        Map<String, String> environment) {
        this(name, home, httpPort, managementPort, List.of("start", "--optimized"), options, environment);
    }

    /**
     * @param name           short name used in logs and reports
     * @param home           the server's own Keycloak home (built already, for {@code start --optimized})
     * @param httpPort       HTTP port
     * @param managementPort management port ({@code /health}, {@code /metrics}); the server needs
     *                       {@code --health-enabled=true} for {@link #awaitReady}
     * @param command        the {@code kc.sh} command, e.g. {@code start-dev}
     * @param options        options after the command
     * @param environment    extra environment (bootstrap admin)
     */
    public KeycloakNode(String name, Path home, int httpPort, int managementPort, List<String> command,
                        List<String> options, Map<String, String> environment) {
        this.command = List.copyOf(command);
        this.name = name;
        this.home = home;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
        this.options = List.copyOf(options);
        this.environment = Map.copyOf(environment);
    }

    /** Starts the node (does not wait: see {@link #awaitReady}). Each start appends to the node's log. */
    public synchronized void start() throws IOException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/kc.sh").toString()));
        command.addAll(this.command);
        command.addAll(options);
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
        builder.environment().putAll(environment);
        Files.writeString(log(), "\n==== start " + (++starts) + " of node " + name + " ====\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        process = builder.start();
        Files.writeString(pidFile(), Long.toString(process.pid()));
    }

    /**
     * Kills what a previous test run left of this node (e.g. when its JVM was killed before it could stop the
     * nodes): the process recorded in the node's pid file and its children, only if its command line still names
     * this node's home.
     */
    public void killLeftover() throws IOException {
        if (!Files.exists(pidFile())) {
            return;
        }
        long pid = Long.parseLong(Files.readString(pidFile()).trim());
        ProcessHandle.of(pid).filter(h -> h.info().commandLine().orElse("").contains(home.toString()))
                .ifPresent(h -> {
                    h.descendants().forEach(ProcessHandle::destroyForcibly);
                    h.destroyForcibly();
                    h.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
                });
        Files.delete(pidFile());
    }

    private Path pidFile() {
        return home.getParent().resolve("node-" + name + ".pid");
    }

    /**
     * Waits until {@code /health/ready} on the management port answers 200.
     *
     * @throws IllegalStateException when the process ends or the time is up
     */
    public void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (process == null || !process.isAlive()) {
                throw new IllegalStateException("node " + name + " exited; see " + log());
            }
            if (ready()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("node " + name + " not ready after " + timeout + "; see " + log());
    }

    /** @return whether the node answers {@code /health/ready} with 200 */
    public boolean ready() {
        try {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://localhost:" + managementPort + "/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** SIGKILL to the node's whole process tree, as when its host dies; waits until it is gone. */
    public synchronized void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : tree) {
            handle.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
        process = null;
    }

    /** SIGTERM to the node's process tree (Keycloak shuts down gracefully and leaves the cluster); waits for it. */
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle handle : tree) {
            if (!handle.onExit().orTimeout(60, TimeUnit.SECONDS).thenApply(h -> true).exceptionally(e -> false)
                    .join()) {
                handle.destroyForcibly();
            }
        }
        process = null;
    }

    /** @return the newest cluster view this node logged, or {@code null} if none yet */
    public ClusterView lastView() throws IOException {
        ClusterView last = null;
        Matcher m = VIEW.matcher(Files.readString(log(), StandardCharsets.UTF_8));
        while (m.find()) {
            last = new ClusterView(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    List.of(m.group(4).split(",\\s*")));
        }
        return last;
    }

    /** @return the node's log (console output of every start) */
    public Path log() {
        return home.getParent().resolve("node-" + name + ".log");
    }

    /** @return e.g. {@code A} */
    public String name() {
        return name;
    }

    /** @return e.g. {@code http://localhost:8181} */
    public String baseUrl() {
        return "http://localhost:" + httpPort;
    }

    /** @return e.g. {@code localhost:8181} */
    public String authority() {
        return "localhost:" + httpPort;
    }

    /** @return e.g. {@code http://localhost:9101} */
    public String managementUrl() {
        return "http://localhost:" + managementPort;
    }

    /**
     * One Infinispan cluster view as a node logged it.
     *
     * @param coordinator the view's owner
     * @param id          the view id
     * @param size        member count
     * @param members     member names
     */
    public record ClusterView(String coordinator, int id, int size, List<String> members) {
    }
}
