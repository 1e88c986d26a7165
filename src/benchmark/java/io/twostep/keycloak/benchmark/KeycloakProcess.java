package io.twostep.keycloak.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The CPU time the Keycloak server process has used, read from {@code /proc/<pid>/stat} (user plus system time of
 * every thread, garbage collector and compiler included). Reading it costs the server nothing, unlike a scrape of its
 * {@code /metrics}. Linux only.
 */
final class KeycloakProcess {

    private final long pid;
    private final Path stat;
    private final double secondsPerTick;

    private KeycloakProcess(long pid, long ticksPerSecond) {
        this.pid = pid;
        this.stat = Path.of("/proc", Long.toString(pid), "stat");
        this.secondsPerTick = 1.0 / ticksPerSecond;
    }

    /**
     * Finds the Keycloak JVM among the processes this JVM started (the test framework runs {@code kc.sh}, which
     * starts Java).
     *
     * @throws IllegalStateException when there is none, or more than one
     */
    static KeycloakProcess find() {
        List<ProcessHandle> servers = ProcessHandle.current().descendants()
                .filter(p -> commandLine(p.pid()).contains("quarkus-run.jar")
                        || commandLine(p.pid()).contains("io.quarkus.bootstrap.runner"))
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .toList();
        if (servers.size() != 1) {
            throw new IllegalStateException("expected one Keycloak JVM below this one, found " + servers.size());
        }
        return new KeycloakProcess(servers.get(0).pid(), ticksPerSecond());
    }

    /** @return the process id */
    long pid() {
        return pid;
    }

    /** @return CPU seconds the process has used so far, with the kernel's tick resolution (usually 10 ms) */
    double cpuSeconds() {
        try {
            String line = Files.readString(stat);
            // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
            String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
            long utime = Long.parseLong(fields[14 - 3]);
            long stime = Long.parseLong(fields[15 - 3]);
            return (utime + stime) * secondsPerTick;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + stat, e);
        }
    }

    private static String commandLine(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private static long ticksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes()).trim();
            getconf.waitFor();
            return Long.parseLong(out);
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
