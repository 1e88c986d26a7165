package io.twostep.keycloak.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * What the simulations measured, kept beside Gatling's own records because the table needs the raw login times (for
 * medians and their confidence intervals) and the server's CPU time per stretch of load, which Gatling cannot know.
 * Thread-safe: virtual users record from Gatling's event loops.
 */
final class Recorder {

    /**
     * One finished login: the 1-user round it belongs to (-1 outside that stage), wall time in nanoseconds, and the
     * server's CPU seconds during it by {@link KeycloakProcess.Threads} ({@code null} when not read).
     */
    record Login(String series, Kind kind, int round, long nanos, double[] cpuByThreads, double databaseCpuSeconds) {
        /** @return the server's CPU seconds during the login, NaN when not read */
        double cpuSeconds() {
            return cpuByThreads == null ? Double.NaN : Arrays.stream(cpuByThreads).sum();
        }
    }

    /**
     * A stretch of load of one kind: wall and server CPU seconds (in all, and by {@link KeycloakProcess.Threads}),
     * the load generator's CPU seconds (this JVM: Gatling and the fake gateway, on the same cores as the server), the
     * database's CPU seconds (PostgreSQL's processes; {@code NaN} on H2, which runs inside the server's JVM), the
     * logins finished in it, and the share of the machine's CPU time that was idle during its wall time (all
     * cores, from {@code /proc/stat}: idle and waiting for I/O).
     */
    record Slice(String series, Kind kind, double wallSeconds, double[] cpuByThreads, double generatorCpuSeconds,
                 double databaseCpuSeconds, int logins, double idleShare) {
        /** @return the server's CPU seconds during the stretch */
        double cpuSeconds() {
            return Arrays.stream(cpuByThreads).sum();
        }
    }

    /** Where a stretch of load began: its time in seconds, its logins finished so far, both CPU readings. */
    private record OpenSlice(double startSeconds, int finishedBefore, double generatorCpu, double databaseCpu,
                             KeycloakProcess.Reading cpu, long[] machine) {
    }

    /**
     * An SMS login stopped by a failed send: the time from the password's post (which sends the SMS) until the user
     * saw the message, in nanoseconds.
     */
    record SendFailure(String series, long nanos, boolean messageShown) {
    }

    private final List<Login> logins = new ArrayList<>();
    private final List<Slice> slices = new ArrayList<>();
    private final List<SendFailure> sendFailures = new ArrayList<>();
    private final Map<String, AtomicInteger> finished = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> failed = new ConcurrentHashMap<>();
    private final Map<String, OpenSlice> openSlices = new HashMap<>();
    private final Map<String, List<ServerMetrics.GatewayTime>> gatewayTimes = new HashMap<>();
    private final Map<String, List<ServerMetrics.Refused>> refusals = new HashMap<>();
    private final Map<String, List<ServerMetrics.FailedCalls>> failedCalls = new HashMap<>();
    private final List<int[]> sessionsRemoved = new ArrayList<>();
    private final KeycloakProcess keycloak;

    Recorder(KeycloakProcess keycloak) {
        this.keycloak = keycloak;
    }

    /** @return the server's CPU time now, in all and by thread */
    KeycloakProcess.Reading cpu() {
        return keycloak.read();
    }

    /** @return the database's CPU seconds so far, or {@code NaN} when the server runs on H2 (inside its JVM) */
    double databaseCpu() {
        DatabaseProcess database = DatabaseProcess.started();
        return database == null ? Double.NaN : database.cpuSeconds();
    }

    /** @return this JVM's CPU seconds so far (Gatling's virtual users and the fake gateway) */
    private static double generatorCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /**
     * @return the machine's idle ticks (idle and I/O wait) and all ticks so far, summed over its cores, from the
     *         first line of {@code /proc/stat}
     */
    private static long[] machineTicks() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
            long all = 0;
            for (int i = 1; i < fields.length; i++) {
                all += Long.parseLong(fields[i]);
            }
            return new long[]{idle, all};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param cpuByThreads    the server's CPU seconds during the login, by threads, or {@code null} when not read
     * @param databaseSeconds the database's CPU seconds during the login, or {@code NaN} when not read
     */
    synchronized void login(String series, Kind kind, int round, long nanos, double[] cpuByThreads,
                            double databaseSeconds) {
        logins.add(new Login(series, kind, round, nanos, cpuByThreads, databaseSeconds));
        finished.computeIfAbsent(series + "/" + kind, k -> new AtomicInteger()).incrementAndGet();
    }

    void failure(String series, Kind kind) {
        failed.computeIfAbsent(series + "/" + kind, k -> new AtomicInteger()).incrementAndGet();
    }

    synchronized void sendFailure(String series, long nanos, boolean messageShown) {
        sendFailures.add(new SendFailure(series, nanos, messageShown));
    }

    /**
     * Lets the server settle, e.g. after removing its sessions: a full garbage collection ({@code jcmd <pid> GC.run}),
     * which frees the removed sessions at once rather than over the collections of the stretch that follows, then
     * waits until the server is quiet ({@link KeycloakProcess#awaitQuiet}).
     */
    void settle() {
        keycloak.jcmd("GC.run");
        keycloak.awaitQuiet();
    }

    /** Starts a stretch of load: no login of {@code series} is in flight. */
    synchronized void beginSlice(String series, Kind kind) {
        openSlices.put(series + "/" + kind, new OpenSlice(System.nanoTime() / 1e9, finished(series, kind),
                generatorCpu(), databaseCpu(), cpu(), machineTicks()));
    }

    /**
     * Ends the stretch begun last for {@code series} and {@code kind}: every login of it has finished. Its wall time
     * ends now; its CPU time once the server is quiet again ({@link KeycloakProcess#awaitQuiet}), so that what the
     * stretch left the server to do counts in it and not in the stretch after it.
     */
    void endSlice(String series, Kind kind) {
        endSlices(series, List.of(kind));
    }

    /** Ends the stretches of several kinds that ran together, as {@link #endSlice} does, with one wait. */
    synchronized void endSlices(String series, List<Kind> kinds) {
        double end = System.nanoTime() / 1e9;
        long[] machine = machineTicks();
        keycloak.awaitQuiet();
        KeycloakProcess.Reading cpu = cpu();
        double generatorCpu = generatorCpu();
        double databaseCpu = databaseCpu();
        for (Kind kind : kinds) {
            OpenSlice start = openSlices.remove(series + "/" + kind);
            if (start == null) {
                throw new IllegalStateException("no slice open for " + series + "/" + kind);
            }
            slices.add(new Slice(series, kind, end - start.startSeconds(), cpu.since(start.cpu()),
                    generatorCpu - start.generatorCpu(), databaseCpu - start.databaseCpu(),
                    finished(series, kind) - start.finishedBefore(),
                    (double) (machine[0] - start.machine()[0]) / Math.max(1, machine[1] - start.machine()[1])));
        }
    }

    /** Records a removal of the realm's sessions: how many were active before it, and after. */
    synchronized void sessionsRemoved(int before, int after) {
        sessionsRemoved.add(new int[]{before, after});
    }

    /** @return each removal of the realm's sessions, in order: active sessions before it, and after */
    synchronized List<int[]> sessionsRemoved() {
        return List.copyOf(sessionsRemoved);
    }

    /** Records the gateway's failed calls at the start, then at the end, of {@code series}. */
    synchronized void failedCalls(String series, ServerMetrics.FailedCalls reading) {
        add(failedCalls, series, reading);
    }

    /** @return the gateway's failed calls during {@code series}; null when they were not read twice */
    synchronized ServerMetrics.FailedCalls failedCalls(String series) {
        return between(failedCalls, series, ServerMetrics.FailedCalls::since);
    }

    /** Records the gateway guard's refusals at the start, then at the end, of {@code series}. */
    synchronized void refused(String series, ServerMetrics.Refused reading) {
        add(refusals, series, reading);
    }

    /** @return the gateway guard's refusals during {@code series}; null when it was not read twice */
    synchronized ServerMetrics.Refused refused(String series) {
        return between(refusals, series, ServerMetrics.Refused::since);
    }

    /** Records the server's gateway time at the start, then at the end, of {@code series}. */
    synchronized void gatewayTime(String series, ServerMetrics.GatewayTime reading) {
        add(gatewayTimes, series, reading);
    }

    /** @return the mean time the server waited for the gateway per accepted SMS of {@code series}, in ms; NaN */
    synchronized double gatewayMillis(String series) {
        Double millis = between(gatewayTimes, series, ServerMetrics.GatewayTime::meanMillisSince);
        return millis == null ? Double.NaN : millis;
    }

    /** Adds a reading of the server's counters taken at the start or the end of {@code series}. */
    private static <T> void add(Map<String, List<T>> readings, String series, T reading) {
        readings.computeIfAbsent(series, k -> new ArrayList<>()).add(reading);
    }

    /**
     * @param since what the last reading of a series makes against its first, e.g. the counts in between
     * @return {@code since} of the last and the first reading of {@code series}; {@code null} when not read twice
     */
    private static <T, R> R between(Map<String, List<T>> readings, String series, BiFunction<T, T, R> since) {
        List<T> list = readings.getOrDefault(series, List.of());
        return list.size() < 2 ? null : since.apply(list.get(list.size() - 1), list.get(0));
    }

    int finished(String series, Kind kind) {
        AtomicInteger count = finished.get(series + "/" + kind);
        return count == null ? 0 : count.get();
    }

    int failed(String series, Kind kind) {
        AtomicInteger count = failed.get(series + "/" + kind);
        return count == null ? 0 : count.get();
    }

    synchronized List<Login> logins(String series, Kind kind) {
        return logins.stream().filter(l -> l.series().equals(series) && l.kind() == kind).toList();
    }

    synchronized List<Slice> slices(String series, Kind kind) {
        return slices.stream().filter(s -> s.series().equals(series) && s.kind() == kind).toList();
    }

    synchronized List<SendFailure> sendFailures(String series) {
        return sendFailures.stream().filter(f -> f.series().equals(series)).toList();
    }
}
