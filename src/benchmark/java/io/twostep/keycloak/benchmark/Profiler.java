package io.twostep.keycloak.benchmark;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingFile;
import one.profiler.AsyncProfiler;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * async-profiler (Maven Central's {@code tools.profiler:async-profiler}) on the running Keycloak, loaded with
 * {@code jcmd <pid> JVMTI.agent_load}: the kernel's CPU clock samples every thread of the server each millisecond of
 * CPU it uses (JIT-compiled, interpreted and native frames alike, with the thread's name), around a stretch of logins
 * of one kind. One sample is one millisecond of CPU, so the summary's samples per login are milliseconds of server
 * CPU per login: what was on the CPU (self), and under which methods (inclusive). {@link #compare} puts an SMS
 * profile beside a TOTP profile and lists the frames that differ most.
 */
final class Profiler {

    /** The sampling interval: one sample per this many nanoseconds of CPU time. */
    static final long INTERVAL_NANOS = 1_000_000;

    /** Frames (class name prefix, or class.method) whose inclusive share is always listed. */
    static final List<String> WATCHED = List.of(
            "io.twostep.keycloak.",
            "io.twostep.keycloak.smscode.SmsCodeStep.send",
            "io.twostep.keycloak.smscode.KeycloakServices.text",
            "io.twostep.keycloak.smscode.SmsCodeStep.verify",
            "io.twostep.keycloak.sms.vonage.",
            "com.vonage.",
            "com.fasterxml.jackson.",
            "org.keycloak.theme.DefaultThemeManager$ExtendingTheme.getEnhancedMessages",
            "io.twostep.keycloak.limits.",
            "io.twostep.keycloak.phone.",
            "com.google.i18n.phonenumbers.",
            "io.twostep.keycloak.policy.",
            "io.twostep.keycloak.trusteddevice.",
            "io.twostep.keycloak.credential.",
            "org.keycloak.authentication.authenticators.browser.OTPFormAuthenticator.",
            "org.keycloak.events.EventBuilder.send",
            "org.keycloak.forms.login.freemarker.FreeMarkerLoginFormsProvider.createResponse",
            "freemarker.",
            "org.apache.http.",
            "org.hibernate.",
            "org.h2.");

    private final KeycloakProcess keycloak;
    private final Path dir;
    private Path library;

    Profiler(KeycloakProcess keycloak, Path dir) {
        this.keycloak = keycloak;
        this.dir = dir;
    }

    /**
     * Loads the profiler into the server and runs it and a JFR recording once, for nothing: the first start makes
     * the server's JIT compile thousands of methods again (some 11,000 in the 30 s after it, against 1,500 in the
     * next 30 s), which must fall into the warm-up, not into a profiled stretch.
     */
    void prime() {
        start("prime");
        agent("stop");
        generator("stop");
        keycloak.jcmd("JFR.stop", "name=prime");
    }

    /**
     * Starts sampling the server's CPU, and this JVM's (the load generator: Gatling and the fake gateway); {@code name}
     * names the stretch.
     */
    void start(String name) {
        String start = "start,event=cpu,interval=" + INTERVAL_NANOS + ",threads";
        agent(start);
        generator(start);
        keycloak.jcmd("JFR.start", "name=" + name, "settings=" + compilationSettings());
    }

    /**
     * Stops sampling and writes the server's stacks to {@code <dir>/<name>.collapsed}, the load generator's to
     * {@code <dir>/<name>-generator.collapsed}.
     *
     * @return the server's file
     */
    Path stop(String name) {
        Path file = dir.resolve(name + ".collapsed");
        agent("stop,file=" + file + ",collapsed");
        generator("stop,file=" + dir.resolve(name + "-generator.collapsed") + ",collapsed");
        keycloak.jcmd("JFR.stop", "name=" + name, "filename=" + dir.resolve(name + "-jit.jfr"));
        return file;
    }

    /**
     * @param recording the server's JIT compilations and deoptimizations during a stretch ({@code <name>-jit.jfr})
     * @param logins    logins that finished in it
     * @return the compilations' time per login and the methods the JIT compiled or deoptimized most
     */
    static String compilations(Path recording, String title, int logins) {
        Map<String, Double> millis = new HashMap<>();
        Map<String, Long> deoptimized = new HashMap<>();
        double total = 0;
        int compiled = 0;
        try {
            for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
                if (event.getEventType().getName().equals("jdk.Compilation")) {
                    RecordedMethod method = event.getValue("method");
                    double ms = event.getDuration().toNanos() / 1e6;
                    millis.merge(name(method) + " (tier " + event.getShort("compileLevel") + ")", ms, Double::sum);
                    total += ms;
                    compiled++;
                } else if (event.getEventType().getName().equals("jdk.Deoptimization")) {
                    RecordedMethod method = event.getValue("method");
                    deoptimized.merge(name(method) + ": " + event.getString("reason") + " "
                            + event.getString("action"), 1L, Long::sum);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%s: %d compilations, %.1f ms of compiling (wall time), %.3f ms per login; %d deoptimizations%n",
                title, compiled, total, total / Math.max(1, logins),
                deoptimized.values().stream().mapToLong(Long::longValue).sum()));
        out.append("\nMethods compiled, ms per login:\n");
        millis.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(40)
                .forEach(e -> out.append(String.format(Locale.ROOT, "  %7.4f  %s%n", e.getValue() / Math.max(1, logins),
                        e.getKey())));
        out.append("\nDeoptimizations (count):\n");
        deoptimized.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(30)
                .forEach(e -> out.append(String.format(Locale.ROOT, "  %5d  %s%n", e.getValue(), e.getKey())));
        return out.toString();
    }

    private static String name(RecordedMethod method) {
        return method == null ? "?" : method.getType().getName() + "." + method.getName();
    }

    /** @return a JFR settings file with only the JIT's compilations (every one) and deoptimizations */
    private Path compilationSettings() {
        Path file = dir.resolve("jit.jfc");
        try {
            Files.createDirectories(dir);
            Files.writeString(file, """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <configuration version="2.0" label="compilations">
                      <event name="jdk.Compilation">
                        <setting name="enabled">true</setting>
                        <setting name="threshold">0 ms</setting>
                      </event>
                      <event name="jdk.Deoptimization">
                        <setting name="enabled">true</setting>
                        <setting name="stackTrace">false</setting>
                      </event>
                    </configuration>
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Sends one command to the profiler in this JVM. */
    private void generator(String command) {
        try {
            AsyncProfiler.getInstance(library().toString()).execute(command);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stacks of one profile: each distinct stack (thread first, then outermost to innermost frame) and its count. */
    record Stacks(Map<List<String>, Long> counts, long samples) {

        /** @return the profile in async-profiler's collapsed format ({@code frame;frame;… count} per line) */
        static Stacks read(Path collapsed) {
            Map<List<String>, Long> counts = new HashMap<>();
            long samples = 0;
            try {
                for (String line : Files.readAllLines(collapsed)) {
                    int space = line.lastIndexOf(' ');
                    if (space < 0) {
                        continue;
                    }
                    long count = Long.parseLong(line.substring(space + 1));
                    List<String> frames = List.of(line.substring(0, space).split(";")).stream()
                            .map(Stacks::frame).toList();
                    counts.merge(frames, count, Long::sum);
                    samples += count;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Stacks(counts, samples);
        }

        /** Java frames with dots; a thread's frame ({@code [executor-thread-3 tid=…]}) as its pool's name. */
        private static String frame(String raw) {
            if (raw.startsWith("[") && raw.endsWith("]")) {
                String thread = raw.substring(1, raw.length() - 1).replaceAll(" tid=\\d+$", "");
                return "[thread " + thread.replaceAll("[-#]?\\d+$", "").replaceAll("\\d+", "N") + "]";
            }
            return raw.replace('/', '.');
        }

        /** @return samples per frame, each stack counted once under every frame it contains */
        Map<String, Long> inclusive() {
            Map<String, Long> inclusive = new HashMap<>();
            counts.forEach((stack, count) -> new HashSet<>(stack).forEach(f -> inclusive.merge(f, count, Long::sum)));
            return inclusive;
        }

        /** @return samples per frame on the CPU */
        Map<String, Long> self() {
            Map<String, Long> self = new HashMap<>();
            counts.forEach((stack, count) -> self.merge(stack.get(stack.size() - 1), count, Long::sum));
            return self;
        }

        /** @return samples under each watched prefix, a stack counted once per prefix */
        Map<String, Long> watched() {
            Map<String, Long> watched = new HashMap<>();
            counts.forEach((stack, count) -> {
                for (String prefix : WATCHED) {
                    if (stack.stream().anyMatch(f -> f.startsWith(prefix))) {
                        watched.merge(prefix, count, Long::sum);
                    }
                }
            });
            return watched;
        }
    }

    /**
     * @param collapsed a profile of the server
     * @param logins    logins that finished while it ran
     * @return the summary as text: milliseconds of CPU per login by thread, in each watched frame, and the top frames
     */
    static String summarise(Path collapsed, String title, int logins) {
        Stacks stacks = Stacks.read(collapsed);
        Map<String, Long> inclusive = stacks.inclusive();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s: %d CPU samples (%.1f ms each) over %d logins: %.2f ms per login%n",
                title, stacks.samples(), INTERVAL_NANOS / 1e6, logins, ms(stacks.samples(), logins)));
        out.append("\nBy thread (ms per login, share):\n")
                .append(top(filter(inclusive, Profiler::thread), 20, stacks.samples(), logins));
        out.append("\nWatched frames, inclusive (ms per login, share):\n");
        Map<String, Long> watched = stacks.watched();
        for (String prefix : WATCHED) {
            long count = watched.getOrDefault(prefix, 0L);
            out.append(String.format(Locale.ROOT, "  %7.3f  %5.1f %%  %s%n", ms(count, logins),
                    100.0 * count / Math.max(1, stacks.samples()), prefix));
        }
        out.append("\nTop 40 frames, inclusive, of this extension and its libraries:\n")
                .append(top(filter(inclusive, Profiler::ours), 40, stacks.samples(), logins));
        out.append("\nTop 40 frames on the CPU (self):\n").append(top(stacks.self(), 40, stacks.samples(), logins));
        out.append("\nTop 60 frames, inclusive, in io.twostep, com.vonage, com.fasterxml, org.keycloak:\n")
                .append(top(filter(inclusive, f -> ours(f) || f.startsWith("org.keycloak")), 60, stacks.samples(),
                        logins));
        return out.toString();
    }

    /**
     * @return the frames whose CPU per login differs most between the two profiles, inclusive and self, with the
     *         difference ({@code b − a}, ms per login) and its standard error from the sample counts (Poisson)
     */
    static String compare(Path a, String titleA, int loginsA, Path b, String titleB, int loginsB) {
        Stacks sa = Stacks.read(a);
        Stacks sb = Stacks.read(b);
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s − %s, ms of server CPU per login: %.2f − %.2f = %+.2f (± %.2f)%n",
                titleB, titleA, ms(sb.samples(), loginsB), ms(sa.samples(), loginsA),
                ms(sb.samples(), loginsB) - ms(sa.samples(), loginsA),
                error(sa.samples(), loginsA, sb.samples(), loginsB)));
        out.append("\nBy thread:\n").append(differences(filter(sa.inclusive(), Profiler::thread), loginsA,
                filter(sb.inclusive(), Profiler::thread), loginsB, 20));
        out.append("\nWatched frames, inclusive:\n").append(differences(sa.watched(), loginsA, sb.watched(), loginsB, 40));
        out.append("\nLargest differences, inclusive:\n")
                .append(differences(sa.inclusive(), loginsA, sb.inclusive(), loginsB, 80));
        out.append("\nLargest differences, self:\n").append(differences(sa.self(), loginsA, sb.self(), loginsB, 60));
        return out.toString();
    }

    /**
     * Summarises profiles again: {@code java -cp target/test-classes io.twostep.keycloak.benchmark.Profiler
     * <file.collapsed> <title> <logins>}, or with two such triples their comparison.
     */
    public static void main(String[] args) {
        if (args.length >= 6) {
            System.out.println(compare(Path.of(args[0]), args[1], Integer.parseInt(args[2]), Path.of(args[3]), args[4],
                    Integer.parseInt(args[5])));
        } else {
            System.out.println(summarise(Path.of(args[0]), args[1], Integer.parseInt(args[2])));
        }
    }

    /** @return whether {@code frame} is a thread's frame, which {@link Stacks#read} names {@code [thread <pool>]} */
    private static boolean thread(String frame) {
        return frame.startsWith("[thread ");
    }

    private static boolean ours(String frame) {
        return frame.startsWith("io.twostep") || frame.startsWith("com.vonage") || frame.startsWith("com.fasterxml")
                || frame.startsWith("com.google") || frame.startsWith("org.apache.http");
    }

    private static Map<String, Long> filter(Map<String, Long> counts, Predicate<String> keep) {
        return counts.entrySet().stream().filter(e -> keep.test(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private static double ms(long samples, int logins) {
        return samples * (INTERVAL_NANOS / 1e6) / Math.max(1, logins);
    }

    private static double error(long samplesA, int loginsA, long samplesB, int loginsB) {
        double a = Math.sqrt(samplesA) * (INTERVAL_NANOS / 1e6) / Math.max(1, loginsA);
        double b = Math.sqrt(samplesB) * (INTERVAL_NANOS / 1e6) / Math.max(1, loginsB);
        return Math.sqrt(a * a + b * b);
    }

    private static String differences(Map<String, Long> a, int loginsA, Map<String, Long> b, int loginsB, int n) {
        Set<String> frames = new TreeSet<>(a.keySet());
        frames.addAll(b.keySet());
        return frames.stream()
                .map(f -> Map.entry(f, ms(b.getOrDefault(f, 0L), loginsB) - ms(a.getOrDefault(f, 0L), loginsA)))
                .sorted((x, y) -> Double.compare(Math.abs(y.getValue()), Math.abs(x.getValue())))
                .limit(n)
                .map(e -> String.format(Locale.ROOT, "  %+7.3f ± %.3f  (%.3f → %.3f)  %s", e.getValue(),
                        error(a.getOrDefault(e.getKey(), 0L), loginsA, b.getOrDefault(e.getKey(), 0L), loginsB),
                        ms(a.getOrDefault(e.getKey(), 0L), loginsA), ms(b.getOrDefault(e.getKey(), 0L), loginsB),
                        e.getKey()))
                .collect(Collectors.joining("\n")) + "\n";
    }

    private static String top(Map<String, Long> counts, int n, long samples, int logins) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(n)
                .map(e -> String.format(Locale.ROOT, "  %7.3f  %5.1f %%  %s", ms(e.getValue(), logins),
                        100.0 * e.getValue() / Math.max(1, samples), e.getKey()))
                .collect(Collectors.joining("\n")) + "\n";
    }

    /** @return async-profiler's library, copied from its jar on the first call */
    private Path library() throws IOException {
        if (library == null) {
            Files.createDirectories(dir);
            Path file = dir.resolve("libasyncProfiler.so");
            try (InputStream in = Profiler.class.getResourceAsStream("/linux-x64/libasyncProfiler.so")) {
                if (in == null) {
                    throw new IllegalStateException("async-profiler's linux-x64 library is not on the classpath");
                }
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            library = file;
        }
        return library;
    }

    /** Sends one command to the profiler in the server, loading it there on the first call. */
    private void agent(String command) {
        String output;
        try {
            // Quoted, so that jcmd passes the '=' signs to the agent rather than reading them as its own options.
            output = keycloak.jcmd("JVMTI.agent_load", library().toString(), "\"" + command + "\"");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!output.contains("return code: 0")) {
            throw new IllegalStateException("async-profiler " + command + " failed: " + output);
        }
    }
}
