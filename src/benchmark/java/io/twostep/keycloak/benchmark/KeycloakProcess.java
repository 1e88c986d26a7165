package io.twostep.keycloak.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The CPU time the Keycloak server process has used, read from {@code /proc/<pid>/stat} (user plus system time of
 * every thread, garbage collector and compiler included), and split by what its threads do, from
 * {@code /proc/<pid>/task/<tid>/stat}. Reading it costs the server nothing, unlike a scrape of its {@code /metrics}.
 * Linux only.
 */
final class KeycloakProcess {

    /**
     * The server's threads by what they do, told apart by the thread names the kernel keeps (their first 15
     * characters).
     */
    enum Threads {
        /** {@code executor-thread-N}: Quarkus's worker threads, which run Keycloak's requests (user time). */
        REQUESTS("request threads, user"),
        /** The same threads' system time: the kernel's work for them (sockets, files, scheduling). */
        REQUESTS_KERNEL("request threads, system"),
        /** {@code vert.x-eventloop-thread-N}: the HTTP server's network I/O. */
        EVENT_LOOPS("HTTP event loops"),
        /** {@code C1/C2 CompilerThreadN} and the code cache's {@code Sweeper thread}. */
        JIT("JIT compiler"),
        /** {@code GC Thread#N}, G1's concurrent and refinement threads, and the {@code VM Thread} (safepoints). */
        GC("garbage collector and VM thread"),
        /** Every other live thread (Keycloak's timers, caches' expiration, JFR, …). */
        OTHER("other threads"),
        /**
         * Not in any live thread's time: threads that ended between the two readings, and the work done between
         * reading the process's total and listing its threads.
         */
        UNATTRIBUTED("threads that ended, and timing skew");

        final String label;

        Threads(String label) {
            this.label = label;
        }

        static Threads of(String name) {
            if (name.startsWith("executor-thread")) {
                return REQUESTS;
            }
            if (name.startsWith("vert.x-eventloo")) {
                return EVENT_LOOPS;
            }
            if (name.contains("CompilerThre") || name.startsWith("Sweeper thread")) {
                return JIT;
            }
            if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread")) {
                return GC;
            }
            return OTHER; // never UNATTRIBUTED: that is no thread
        }
    }

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

    /** @return the server JVM's heap and JIT options ({@code -Xm…}, {@code -XX:…}) from its command line */
    String jvmOptions() {
        return java.util.Arrays.stream(commandLine(pid).split(" "))
                .filter(o -> o.startsWith("-Xm") || o.startsWith("-XX:")).collect(java.util.stream.Collectors.joining(" "));
    }

    /**
     * Runs {@code jcmd <server pid> <command…>}.
     *
     * @return what jcmd printed
     * @throws IllegalStateException when jcmd exits with an error
     */
    String jcmd(String... command) {
        try {
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            List<String> args = new java.util.ArrayList<>(List.of(jcmd, Long.toString(pid)));
            args.addAll(List.of(command));
            Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new IllegalStateException("jcmd " + String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** @return the process id */
    long pid() {
        return pid;
    }

    /** @return CPU seconds the process has used so far, with the kernel's tick resolution (usually 10 ms) */
    double cpuSeconds() {
        try {
            return cpuSeconds(Files.readString(stat));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + stat, e);
        }
    }

    /**
     * The CPU seconds of the process and of each of its threads at one moment.
     *
     * @param total   the process's CPU seconds, ended threads included
     * @param threads each live thread's group and CPU seconds, by thread id and start time (a thread id the kernel
     *                hands out again is another thread)
     */
    record Reading(double total, Map<String, ThreadTime> threads) {

        /** A thread's group, and its user and system CPU seconds. */
        record ThreadTime(Threads group, double user, double system) {
        }

        /**
         * @param before an earlier reading
         * @return the CPU seconds spent since {@code before}, by {@link Threads} (indexed by ordinal): a thread
         *         started since counts in full, and {@link Threads#UNATTRIBUTED} takes what no live thread accounts
         *         for, so the array adds up to the process's CPU seconds since {@code before}
         */
        double[] since(Reading before) {
            double[] seconds = new double[Threads.values().length];
            double known = 0;
            for (Map.Entry<String, ThreadTime> thread : threads.entrySet()) {
                Threads group = thread.getValue().group();
                ThreadTime earlier = before.threads().get(thread.getKey());
                double user = thread.getValue().user() - (earlier == null ? 0 : earlier.user());
                double system = thread.getValue().system() - (earlier == null ? 0 : earlier.system());
                if (group == Threads.REQUESTS) {
                    seconds[Threads.REQUESTS.ordinal()] += user;
                    seconds[Threads.REQUESTS_KERNEL.ordinal()] += system;
                } else {
                    seconds[group.ordinal()] += user + system;
                }
                known += user + system;
            }
            seconds[Threads.UNATTRIBUTED.ordinal()] = total - before.total() - known;
            return seconds;
        }
    }

    /**
     * Waits until the server is quiet: less than a tenth of a core for two 250 ms intervals in a row, or 15 s at most.
     * Work a stretch of logins leaves behind (a concurrent garbage collection, batched database writes of sessions)
     * then counts in that stretch, not in the next one.
     *
     * @return seconds waited
     */
    double awaitQuiet() {
        long start = System.nanoTime();
        int quiet = 0;
        double before = cpuSeconds();
        while (quiet < 2 && System.nanoTime() - start < 15_000_000_000L) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            double now = cpuSeconds();
            quiet = now - before < 0.025 ? quiet + 1 : 0;
            before = now;
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** @return the CPU seconds of the process and its threads now ({@code /proc/<pid>/task/*}/stat) */
    Reading read() {
        Map<String, Reading.ThreadTime> threads = new HashMap<>();
        double total = cpuSeconds();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(stat.resolveSibling("task"))) {
            for (Path task : tasks) {
                String line;
                try {
                    line = Files.readString(task.resolve("stat"));
                } catch (IOException ended) {
                    continue; // the thread ended since the listing: its time is in the total, so in UNATTRIBUTED
                }
                long[] ticks = ticks(line);
                threads.put(task.getFileName() + "@" + ticks[2], new Reading.ThreadTime(
                        Threads.of(line.substring(line.indexOf('(') + 1, line.lastIndexOf(')'))),
                        ticks[0] * secondsPerTick, ticks[1] * secondsPerTick));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the threads of " + pid, e);
        }
        return new Reading(total, threads);
    }

    /** @return user plus system time of a {@code stat} line of a process or thread, in seconds */
    private double cpuSeconds(String statLine) {
        long[] ticks = ticks(statLine);
        return (ticks[0] + ticks[1]) * secondsPerTick;
    }

    /**
     * @return user time, system time and start time (since boot) of a {@code stat} line of a process or thread, in
     *         clock ticks
     */
    private static long[] ticks(String statLine) {
        return statFields(statLine, 14, 15, 22);
    }

    /**
     * @param statLine a {@code /proc/<pid>/stat} or {@code /proc/<pid>/task/<tid>/stat} line
     * @param fields   field numbers as {@code proc(5)} counts them, from 3 (state) on, e.g. 14 for user time
     * @return the fields' values, in the order asked
     */
    static long[] statFields(String statLine, int... fields) {
        // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
        String[] all = statLine.substring(statLine.lastIndexOf(')') + 2).split(" ");
        long[] values = new long[fields.length];
        for (int i = 0; i < fields.length; i++) {
            values[i] = Long.parseLong(all[fields[i] - 3]);
        }
        return values;
    }

    private static String commandLine(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** @return the kernel's clock ticks per second ({@code getconf CLK_TCK}), 100 when it cannot be read */
    static long ticksPerSecond() {
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
