package io.twostep.keycloak.benchmark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The benchmark's table: medians and 95th percentiles of login times, logins per second, and the server's CPU time
 * per login, for each kind, with the SMS step's ratio to the built-in TOTP step and the goals.
 */
final class Report {

    private final Recorder recorder;
    private final StringBuilder out = new StringBuilder();

    Report(Recorder recorder) {
        this.recorder = recorder;
    }

    /** @return the whole report as Markdown */
    String render(String header) {
        out.append(header).append("\n\n");
        out.append("| figure | password only | password + TOTP | password + SMS | password + remembered device "
                + "| SMS / TOTP | goal |\n|---|---|---|---|---|---|---|\n");
        String one = LoginSimulation.ONE_USER;
        String twenty = LoginSimulation.TWENTY_USERS;
        row("1 user: login, median (ms)", k -> ms(median(nanos(one, k))),
                medianRatio(one, Kind.SMS, Kind.TOTP), "≤ 1.05");
        row("1 user: login, 95th percentile (ms)", k -> ms(percentile(nanos(one, k), 95)),
                ratio(percentile(nanos(one, Kind.SMS), 95), percentile(nanos(one, Kind.TOTP), 95)), "");
        row("1 user: server CPU per login (ms)", k -> cpuMs(cpuPerLogin(one, k)),
                cpuRatio(one, Kind.SMS, Kind.TOTP), "≤ 1.03");
        databaseRows("1 user", k -> cpuPerLogin(one, k), k -> databaseCpuPerLogin(one, k));
        row("20 users: logins/s", k -> String.format(Locale.ROOT, "%.1f", loginsPerSecond(twenty, k)),
                passRatio(twenty, Report::loginsPerSecond), "≥ 0.97");
        row("20 users: login, median (ms)", k -> ms(median(nanos(twenty, k))),
                ratio(median(nanos(twenty, Kind.SMS)), median(nanos(twenty, Kind.TOTP))), "");
        row("20 users: login, 95th percentile (ms)", k -> ms(percentile(nanos(twenty, k), 95)),
                ratio(percentile(nanos(twenty, Kind.SMS), 95), percentile(nanos(twenty, Kind.TOTP), 95)), "");
        row("20 users: server CPU per login (ms)", k -> cpuMs(sliceCpuPerLogin(twenty, k)),
                passRatio(twenty, Report::sliceCpuPerLogin), "≤ 1.05");
        databaseRows("20 users", k -> sliceCpuPerLogin(twenty, k), k -> sliceDatabaseCpuPerLogin(twenty, k));
        row("20 users: load generator CPU per login (ms)", k -> cpuMs(generatorCpuPerLogin(twenty, k)),
                ratio(generatorCpuPerLogin(twenty, Kind.SMS), generatorCpuPerLogin(twenty, Kind.TOTP)), "");
        out.append(String.format(Locale.ROOT, "%n20 users, SMS / TOTP in each pass (adjacent stretches): logins/s %s; "
                        + "server CPU per login %s.%n", perPass(twenty, this::passLoginsPerSecond),
                perPass(twenty, this::passCpuPerLogin)));
        eachStretch(twenty);
        out.append(String.format(Locale.ROOT, "20 users: the server waited %s ms on average per SMS for the fake "
                + "gateway's answer.%n", ms(recorder.gatewayMillis(twenty) * 1e6)));
        byThreads(one, twenty);
        out.append(String.format(Locale.ROOT, "Remembered device vs password only, 1 user, median: %s (goal ≤ 1.05).%n",
                medianRatio(one, Kind.DEVICE, Kind.PASSWORD)));
        out.append(String.format(Locale.ROOT, "1 user: the server waited %s ms on average per SMS for the fake "
                        + "gateway's answer (twostep_sms_gateway_seconds on /metrics); an SMS login took %s ms longer "
                        + "than a TOTP login on average, %s ms at the median.%n", ms(recorder.gatewayMillis(one) * 1e6),
                ms(mean(nanos(one, Kind.SMS)) - mean(nanos(one, Kind.TOTP))),
                ms(median(nanos(one, Kind.SMS)) - median(nanos(one, Kind.TOTP)))));
        out.append(String.format(Locale.ROOT, "Logins measured: 1 user %s; 20 users %s; failed logins: %s.%n",
                counts(one), counts(twenty), failures(one, twenty)));

        List<int[]> removed = recorder.sessionsRemoved();
        if (!removed.isEmpty()) {
            out.append(String.format(Locale.ROOT, "Sessions removed (logout-all) before the 1-user stage and each "
                            + "20-user stretch: %d active before the first, after the warm-up; %d to %d before the "
                            + "others; at most %d left after any.%n", removed.get(0)[0],
                    removed.stream().skip(1).mapToInt(r -> r[0]).min().orElse(0),
                    removed.stream().skip(1).mapToInt(r -> r[0]).max().orElse(0),
                    removed.stream().mapToInt(r -> r[1]).max().orElse(0)));
        }

        String mixed = LoginSimulation.MIXED;
        String slow = LoginSimulation.SLOW;
        out.append("\n20 users, kinds in turn, ").append(LoginSimulation.MIXED_SECONDS)
                .append(" s each: fake gateway answering at once, then answering a quarter of the SMS accounts after ")
                .append(LoginSimulation.SLOW_MS / 1000).append(" s (the sender's timeout is 5 s)\n\n")
                .append("| kind | at once: median / p95 (ms) | slow quarter: median / p95 (ms) | logins at once / slow |\n")
                .append("|---|---|---|---|\n");
        for (Kind kind : Kind.values()) {
            out.append(String.format(Locale.ROOT, "| %s | %s / %s | %s / %s | %d / %d |%n", kind.label,
                    ms(median(nanos(mixed, kind))), ms(percentile(nanos(mixed, kind), 95)),
                    ms(median(nanos(slow, kind))), ms(percentile(nanos(slow, kind), 95)),
                    recorder.finished(mixed, kind), recorder.finished(slow, kind)));
        }
        List<Recorder.SendFailure> slowFailures = recorder.sendFailures(slow);
        long[] failureNanos = slowFailures.stream().mapToLong(Recorder.SendFailure::nanos).toArray();
        long timeoutNanos = LoginBenchmark.SENDER_TIMEOUT_MS * 1_000_000L;
        long atOnce = Arrays.stream(failureNanos).filter(n -> n < timeoutNanos).count();
        out.append(String.format(Locale.ROOT, "%nSlow run: %d SMS logins stopped with \"%s\", %d of them after the "
                        + "sender's timeout (median %s ms, max %s ms from the password's post) and %d at once (%s); "
                        + "failed sends with the gateway answering at once: %d; failed logins: %s.%n",
                slowFailures.size(), Logins.TRY_LATER, failureNanos.length - atOnce,
                ms(median(Arrays.stream(failureNanos).filter(n -> n >= timeoutNanos).toArray())),
                ms(max(failureNanos)), atOnce, refusals(slow), recorder.sendFailures(mixed).size(),
                failures(mixed, slow)));
        return out.toString();
    }

    /** @return the server's count of sends its gateway guard failed at once during {@code series}, by cause */
    private String refusals(String series) {
        ServerMetrics.Refused refused = recorder.refused(series);
        return refused == null ? "the server's refusals not read"
                : String.format(Locale.ROOT, "the server counted %d refused with every send slot busy and %d with "
                        + "the circuit breaker open", refused.slotsBusy(), refused.breakerOpen());
    }

    /** @return the outage run's findings as Markdown */
    String renderOutage(long timeoutMs) {
        StringBuilder text = new StringBuilder();
        String up = GatewayOutageSimulation.HEALTHY;
        String down = GatewayOutageSimulation.OUTAGE;
        long[] upTotp = nanos(up, Kind.TOTP);
        long[] downTotp = nanos(down, Kind.TOTP);
        List<Recorder.SendFailure> failures = recorder.sendFailures(down);
        long[] failureNanos = failures.stream().mapToLong(Recorder.SendFailure::nanos).toArray();
        double slowdown = median(downTotp) / median(upTotp) - 1;
        text.append(String.format(Locale.ROOT, "Gateway outage: waves of %d SMS + %d TOTP users at once, %d not "
                        + "measured, %d with the gateway up, then %d with every SMS held %d s (timeout %d ms), then %d "
                        + "with the gateway up again%n%n",
                GatewayOutageSimulation.USERS_PER_KIND, GatewayOutageSimulation.USERS_PER_KIND,
                GatewayOutageSimulation.WARM_UP_WAVES, GatewayOutageSimulation.WAVES / 2, GatewayOutageSimulation.WAVES,
                GatewayOutageSimulation.HANG_MS / 1000, timeoutMs,
                GatewayOutageSimulation.WAVES - GatewayOutageSimulation.WAVES / 2));
        text.append("| figure | gateway up | gateway hangs |\n|---|---|---|\n");
        text.append(String.format(Locale.ROOT, "| TOTP logins: median / p95 (ms) | %s / %s | %s / %s |%n",
                ms(median(upTotp)), ms(percentile(upTotp, 95)), ms(median(downTotp)), ms(percentile(downTotp, 95))));
        text.append(String.format(Locale.ROOT, "| TOTP logins finished / failed | %d / %d | %d / %d |%n",
                recorder.finished(up, Kind.TOTP), recorder.failed(up, Kind.TOTP),
                recorder.finished(down, Kind.TOTP), recorder.failed(down, Kind.TOTP)));
        text.append(String.format(Locale.ROOT, "| SMS logins finished / failed / stopped by a failed send | %d / %d / %d "
                        + "| %d / %d / %d |%n",
                recorder.finished(up, Kind.SMS), recorder.failed(up, Kind.SMS), recorder.sendFailures(up).size(),
                recorder.finished(down, Kind.SMS), recorder.failed(down, Kind.SMS), failures.size()));
        text.append(String.format(Locale.ROOT, "| SMS failed send: from the password's post to the message, median / max "
                        + "(ms) | | %s / %s |%n",
                ms(median(failureNanos)), ms(max(failureNanos))));
        // A send that waited for the timeout failed at least the timeout after the password's post; one refused at
        // once sooner, even when the 40 logins of a wave queue for the cores.
        long waited = Arrays.stream(failureNanos).filter(n -> n >= timeoutMs * 1_000_000L).count();
        text.append(String.format(Locale.ROOT, "%nFailed sends during the outage: %d waited for the timeout, %d were "
                + "refused at once (%s).%n", waited, failureNanos.length - waited, refusals(down)));
        ServerMetrics.FailedCalls calls = recorder.failedCalls(down);
        text.append(calls == null ? "The server's failed gateway calls were not read.\n"
                : String.format(Locale.ROOT, "The server's failed gateway calls during the outage "
                        + "(twostep_sms_gateway_seconds): %d, of which %d within %.2f s. Slowest TOTP login of the "
                        + "outage: %s ms; slowest failed send, from the password's post: %s ms.%n", calls.all(),
                calls.within(), calls.boundSeconds(), ms(max(downTotp)), ms(max(failureNanos))));
        text.append(String.format(Locale.ROOT, "TOTP slowdown during the outage (medians): %+.1f %% (goal < 10 %%).%n",
                100 * slowdown));
        int half = GatewayOutageSimulation.WAVES / 2;
        text.append(String.format(Locale.ROOT, "TOTP median of each wave (ms), in the order they ran: gateway up %s; "
                        + "gateway hangs %s; gateway up again %s (a slowdown in every wave of the outage is its own; "
                        + "one in a few waves in a row, the machine's).%n",
                waveMedians(upTotp, 0, half), waveMedians(downTotp, 0, GatewayOutageSimulation.WAVES),
                waveMedians(upTotp, half, GatewayOutageSimulation.WAVES - half)));
        return text.toString();
    }

    /**
     * @param nanos TOTP login times of a series in the order the logins finished: each wave's
     *              {@link GatewayOutageSimulation#USERS_PER_KIND} finish before the next wave starts
     * @return the medians of waves {@code first} to {@code first + count - 1}, in ms, comma-separated
     */
    private static String waveMedians(long[] nanos, int first, int count) {
        int size = GatewayOutageSimulation.USERS_PER_KIND;
        List<String> medians = new ArrayList<>();
        for (int wave = first; wave < first + count && (wave + 1) * size <= nanos.length; wave++) {
            medians.add(ms(median(Arrays.copyOfRange(nanos, wave * size, (wave + 1) * size))));
        }
        return String.join(", ", medians);
    }

    /**
     * The server's CPU per TOTP and per SMS login split by the threads that spent it, at one user (read around each
     * login) and at 20 users (around each stretch): whether the SMS step's extra is the requests' own work or
     * the JIT's and the garbage collector's.
     */
    private void byThreads(String one, String twenty) {
        out.append("\nServer CPU per login by thread (ms):\n\n| threads | 1 user: TOTP | 1 user: SMS | 1 user: SMS − TOTP "
                + "| 20 users: TOTP | 20 users: SMS | 20 users: SMS − TOTP |\n|---|---|---|---|---|---|---|\n");
        for (KeycloakProcess.Threads threads : KeycloakProcess.Threads.values()) {
            int i = threads.ordinal();
            double[] oneUser = {loginCpuByThreads(one, Kind.TOTP, i), loginCpuByThreads(one, Kind.SMS, i)};
            double[] twentyUsers = {sliceCpuByThreads(twenty, Kind.TOTP, i), sliceCpuByThreads(twenty, Kind.SMS, i)};
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %+.2f | %s | %s | %+.2f |%n", threads.label,
                    cpuMs(oneUser[0]), cpuMs(oneUser[1]), (oneUser[1] - oneUser[0]) * 1e3,
                    cpuMs(twentyUsers[0]), cpuMs(twentyUsers[1]), (twentyUsers[1] - twentyUsers[0]) * 1e3));
        }
        out.append('\n');
    }

    private double loginCpuByThreads(String series, Kind kind, int threads) {
        return recorder.logins(series, kind).stream().filter(l -> l.cpuByThreads() != null)
                .mapToDouble(l -> l.cpuByThreads()[threads]).average().orElse(Double.NaN);
    }

    private double sliceCpuByThreads(String series, Kind kind, int threads) {
        List<Recorder.Slice> slices = recorder.slices(series, kind);
        return slices.stream().mapToDouble(s -> s.cpuByThreads()[threads]).sum()
                / slices.stream().mapToInt(Recorder.Slice::logins).sum();
    }

    private void row(String figure, Function<Kind, String> value, String ratio, String goal) {
        out.append("| ").append(figure);
        for (Kind kind : Kind.values()) {
            out.append(" | ").append(value.apply(kind));
        }
        out.append(" | ").append(ratio).append(" | ").append(goal).append(" |\n");
    }

    private String counts(String series) {
        return String.join(", ", Arrays.stream(Kind.values())
                .map(k -> k.name().toLowerCase(Locale.ROOT) + " " + recorder.finished(series, k)).toList());
    }

    private String failures(String... series) {
        int total = 0;
        for (String s : series) {
            for (Kind k : Kind.values()) {
                total += recorder.failed(s, k);
            }
        }
        return Integer.toString(total);
    }

    long[] nanos(String series, Kind kind) {
        return recorder.logins(series, kind).stream().mapToLong(Recorder.Login::nanos).toArray();
    }

    double cpuPerLogin(String series, Kind kind) {
        return mean(cpu(series, kind));
    }

    /**
     * On PostgreSQL only: the database's CPU per login, and the server's and the database's together, each with the
     * SMS / TOTP ratio.
     *
     * @param stage    the rows' prefix, e.g. "1 user"
     * @param server   the server's CPU seconds per login of a kind in that stage
     * @param database the database's CPU seconds per login of a kind in that stage
     */
    private void databaseRows(String stage, ToDoubleFunction<Kind> server, ToDoubleFunction<Kind> database) {
        if (!BenchmarkServerConfig.onPostgres()) {
            return;
        }
        ToDoubleFunction<Kind> both = k -> server.applyAsDouble(k) + database.applyAsDouble(k);
        for (var figure : List.of(Map.entry("database", database), Map.entry("server + database", both))) {
            ToDoubleFunction<Kind> value = figure.getValue();
            row(stage + ": " + figure.getKey() + " CPU per login (ms)", k -> cpuMs(value.applyAsDouble(k)),
                    ratio(value.applyAsDouble(Kind.SMS), value.applyAsDouble(Kind.TOTP)), "");
        }
    }

    /** @return the database's mean CPU seconds per login of {@code kind}, read around each login */
    double databaseCpuPerLogin(String series, Kind kind) {
        return recorder.logins(series, kind).stream().mapToDouble(Recorder.Login::databaseCpuSeconds).average()
                .orElse(Double.NaN);
    }

    /** @return the database's CPU seconds per login over the stretches of {@code kind} */
    double sliceDatabaseCpuPerLogin(String series, Kind kind) {
        List<Recorder.Slice> slices = recorder.slices(series, kind);
        return slices.stream().mapToDouble(Recorder.Slice::databaseCpuSeconds).sum()
                / slices.stream().mapToInt(Recorder.Slice::logins).sum();
    }

    double loginsPerSecond(String series, Kind kind) {
        return loginsPerSecond(recorder.slices(series, kind));
    }

    private static double loginsPerSecond(List<Recorder.Slice> slices) {
        return slices.stream().mapToInt(Recorder.Slice::logins).sum()
                / slices.stream().mapToDouble(Recorder.Slice::wallSeconds).sum();
    }

    double sliceCpuPerLogin(String series, Kind kind) {
        return sliceCpuPerLogin(recorder.slices(series, kind));
    }

    private static double sliceCpuPerLogin(List<Recorder.Slice> slices) {
        return slices.stream().mapToDouble(Recorder.Slice::cpuSeconds).sum()
                / slices.stream().mapToInt(Recorder.Slice::logins).sum();
    }

    /**
     * The SMS / TOTP ratio of a 20-user figure over every pass, with a 95 % bootstrap interval that resamples whole
     * passes (a pass's SMS stretch with its TOTP stretch, since they ran side by side). With six passes the interval
     * is rough, but it shows how far one slow stretch moves the run's figure.
     *
     * @param figure the figure of a kind over some of its stretches, e.g. logins per second
     */
    String passRatio(String series, ToDoubleFunction<List<Recorder.Slice>> figure) {
        List<Recorder.Slice> sms = recorder.slices(series, Kind.SMS);
        List<Recorder.Slice> totp = recorder.slices(series, Kind.TOTP);
        int passes = Math.min(sms.size(), totp.size());
        if (passes == 0) {
            return "n/a";
        }
        Random random = new Random(42);
        return withInterval(
                figure.applyAsDouble(sms.subList(0, passes)) / figure.applyAsDouble(totp.subList(0, passes)), () -> {
                    List<Recorder.Slice> a = new ArrayList<>(passes);
                    List<Recorder.Slice> b = new ArrayList<>(passes);
                    for (int j = 0; j < passes; j++) {
                        int pass = random.nextInt(passes);
                        a.add(sms.get(pass));
                        b.add(totp.get(pass));
                    }
                    return figure.applyAsDouble(a) / figure.applyAsDouble(b);
                });
    }

    /**
     * @param ratio     the ratio measured
     * @param resampled the same ratio on one bootstrap resample, drawn anew on each call
     * @return the ratio with the 2.5th and 97.5th percentiles of 2,000 resamples, e.g. {@code 1.04 (95 % interval
     *         1.01–1.07)}
     */
    private static String withInterval(double ratio, DoubleSupplier resampled) {
        double[] ratios = new double[2000];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = resampled.getAsDouble();
        }
        Arrays.sort(ratios);
        return String.format(Locale.ROOT, "%.2f (95 %% interval %.2f–%.2f)", ratio,
                ratios[(int) (0.025 * ratios.length)], ratios[(int) (0.975 * ratios.length) - 1]);
    }

    /**
     * @return the SMS / TOTP ratio of {@code figure} for each pass over the kinds, in order: the two kinds' stretches
     *         are next to each other in every pass, so a pass's ratio is little touched by the machine's drift
     */
    private String perPass(String series, ToDoubleFunction<Recorder.Slice> figure) {
        List<Recorder.Slice> sms = recorder.slices(series, Kind.SMS);
        List<Recorder.Slice> totp = recorder.slices(series, Kind.TOTP);
        StringBuilder ratios = new StringBuilder();
        for (int pass = 0; pass < Math.min(sms.size(), totp.size()); pass++) {
            ratios.append(pass == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f",
                    figure.applyAsDouble(sms.get(pass)) / figure.applyAsDouble(totp.get(pass))));
        }
        return ratios.toString();
    }

    /**
     * Every stretch of the 20-user stage, pass by pass: logins per second and the server's CPU ms per login of each
     * kind, so that a drift over the run (or a stretch paying for the one before it) can be seen.
     */
    private void eachStretch(String series) {
        out.append("\n20 users, each stretch: logins/s / the server's CPU per login (ms) / the machine's idle CPU "
                + "(% of both cores)\n\n| pass");
        for (Kind kind : Kind.values()) {
            out.append(" | ").append(kind.label);
        }
        out.append(" |\n|---").append("|---".repeat(Kind.values().length)).append("|\n");
        int passes = Arrays.stream(Kind.values()).mapToInt(k -> recorder.slices(series, k).size()).min().orElse(0);
        for (int pass = 0; pass < passes; pass++) {
            out.append("| ").append(pass + 1).append(pass % 2 == 0 ? ", forward" : ", backward");
            for (Kind kind : Kind.values()) {
                Recorder.Slice slice = recorder.slices(series, kind).get(pass);
                out.append(String.format(Locale.ROOT, " | %.1f / %.1f / %.0f %%", passLoginsPerSecond(slice),
                        passCpuPerLogin(slice) * 1e3, slice.idleShare() * 100));
            }
            out.append(" |\n");
        }
    }

    private double passLoginsPerSecond(Recorder.Slice slice) {
        return slice.logins() / slice.wallSeconds();
    }

    private double passCpuPerLogin(Recorder.Slice slice) {
        return slice.cpuSeconds() / slice.logins();
    }

    /**
     * @return the load generator's CPU seconds per login: Gatling and, for SMS logins, the fake gateway, which share
     *         the machine's cores with the server and so take from its logins per second
     */
    double generatorCpuPerLogin(String series, Kind kind) {
        List<Recorder.Slice> slices = recorder.slices(series, kind);
        return slices.stream().mapToDouble(Recorder.Slice::generatorCpuSeconds).sum()
                / slices.stream().mapToInt(Recorder.Slice::logins).sum();
    }

    /** @return the ratio of the medians with a 95 % bootstrap interval */
    String medianRatio(String series, Kind numerator, Kind denominator) {
        long[] a = nanos(series, numerator);
        long[] b = nanos(series, denominator);
        if (a.length == 0 || b.length == 0) {
            return "n/a";
        }
        Random random = new Random(42);
        return withInterval(median(a) / median(b), () -> median(resample(a, random)) / median(resample(b, random)));
    }

    /**
     * The ratio of the mean CPU times per login, with a 95 % bootstrap interval: one login's CPU time swings by
     * several milliseconds (a young collection, a compilation, the kernel's 10 ms tick), so the interval says how
     * far the ratio of a few hundred logins can be trusted. The bootstrap resamples whole rounds (the logins of
     * both kinds that ran in one round), so that a drift over the run (the server still compiling, a busier machine)
     * weighs on both kinds alike; a round that lacks a login of either kind (a failed login) is left out of it.
     */
    String cpuRatio(String series, Kind numerator, Kind denominator) {
        Map<Integer, Double> a = cpuByRound(series, numerator);
        Map<Integer, Double> b = cpuByRound(series, denominator);
        List<Integer> rounds = a.keySet().stream().filter(b::containsKey).sorted().toList();
        if (rounds.isEmpty()) {
            return "n/a";
        }
        Random random = new Random(42);
        return withInterval(cpuPerLogin(series, numerator) / cpuPerLogin(series, denominator), () -> {
            double sumA = 0;
            double sumB = 0;
            for (int j = 0; j < rounds.size(); j++) {
                int round = rounds.get(random.nextInt(rounds.size()));
                sumA += a.get(round);
                sumB += b.get(round);
            }
            return sumA / sumB;
        });
    }

    private Map<Integer, Double> cpuByRound(String series, Kind kind) {
        return recorder.logins(series, kind).stream().filter(l -> l.round() >= 0)
                .collect(Collectors.toMap(Recorder.Login::round, Recorder.Login::cpuSeconds, (x, y) -> x));
    }

    private double[] cpu(String series, Kind kind) {
        return recorder.logins(series, kind).stream().mapToDouble(Recorder.Login::cpuSeconds).toArray();
    }

    private static double mean(long[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    private static long[] resample(long[] values, Random random) {
        long[] copy = new long[values.length];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = values[random.nextInt(values.length)];
        }
        return copy;
    }

    static double median(long[] values) {
        return percentile(values, 50);
    }

    /** @return the percentile by the nearest-rank method, NaN for no values */
    static double percentile(long[] values, double percent) {
        if (values.length == 0) {
            return Double.NaN;
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(percent / 100 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static double max(long[] values) {
        return Arrays.stream(values).max().orElse(-1) < 0 ? Double.NaN : Arrays.stream(values).max().getAsLong();
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? "n/a" : String.format(Locale.ROOT, "%.2f", a / b);
    }

    /** Nanoseconds (login times) as milliseconds. */
    private static String ms(double nanos) {
        return Double.isNaN(nanos) ? "n/a" : String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }

    /** CPU seconds as milliseconds. */
    private static String cpuMs(double seconds) {
        return Double.isNaN(seconds) ? "n/a" : String.format(Locale.ROOT, "%.1f", seconds * 1e3);
    }
}
