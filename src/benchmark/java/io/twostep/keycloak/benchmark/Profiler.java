package io.twostep.keycloak.benchmark;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Java Flight Recorder on the running Keycloak ({@code jcmd <pid> JFR.start/JFR.stop}, the {@code profile} settings:
 * a stack sample of each running thread every 10 ms), around a stretch of logins of one kind, and a summary of what
 * the samples show: the methods that were on the CPU (self), and the methods under which the CPU time was spent
 * (inclusive), each per login, so that an SMS login and a TOTP login can be put side by side.
 */
final class Profiler {

    /** Frames (class name prefix, or class.method) whose inclusive share is always listed. */
    static final List<String> WATCHED = List.of(
            "io.twostep.keycloak.",
            "io.twostep.keycloak.smscode.SmsCodeStep.send",
            "io.twostep.keycloak.smscode.KeycloakServices.text",
            "io.twostep.keycloak.smscode.SmsCodeStep.verify",
            "io.twostep.keycloak.sms.vonage.",
            "com.vonage.",
            "com.fasterxml.jackson.databind.ObjectMapper.<init>",
            "com.fasterxml.jackson.databind.ObjectMapper.readValue",
            "com.fasterxml.jackson.databind.ObjectReader.readValue",
            "org.keycloak.theme.DefaultThemeManager$ExtendingTheme.getEnhancedMessages",
            "io.twostep.keycloak.limits.",
            "io.twostep.keycloak.phone.",
            "com.google.i18n.phonenumbers.",
            "io.twostep.keycloak.policy.",
            "io.twostep.keycloak.trusteddevice.",
            "io.twostep.keycloak.credential.",
            "org.keycloak.credential.OTPCredentialProvider.isValid",
            "org.keycloak.events.EventBuilder.send",
            "freemarker.",
            "org.apache.http.");

    private final KeycloakProcess keycloak;
    private final Path dir;

    Profiler(KeycloakProcess keycloak, Path dir) {
        this.keycloak = keycloak;
        this.dir = dir;
    }

    /** Starts a recording named {@code name}. */
    void start(String name) {
        jcmd("JFR.start", "name=" + name, "settings=profile");
    }

    /** Stops the recording and writes it to {@code <dir>/<name>.jfr}. @return the file */
    Path stop(String name) {
        Path file = dir.resolve(name + ".jfr");
        jcmd("JFR.stop", "name=" + name, "filename=" + file);
        return file;
    }

    /**
     * @param recording a recording of the server
     * @param logins    logins that finished while it ran
     * @return the summary as text: samples per login on the CPU in each watched frame and the top frames
     */
    static String summarise(Path recording, String title, int logins) {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> watched = new HashMap<>();
        Map<String, Long> allocatedIn = new HashMap<>();
        long allocated = 0;
        int samples = 0;
        try {
            for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
                if (event.getEventType().getName().equals("jdk.ObjectAllocationSample")) {
                    long weight = event.getLong("weight");
                    allocated += weight;
                    if (event.getStackTrace() != null) {
                        Set<String> seenWatched = new HashSet<>();
                        for (RecordedFrame frame : event.getStackTrace().getFrames()) {
                            for (String prefix : WATCHED) {
                                if (name(frame).startsWith(prefix) && seenWatched.add(prefix)) {
                                    allocatedIn.merge(prefix, weight, Long::sum);
                                }
                            }
                        }
                    }
                    continue;
                }
                if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                    continue;
                }
                RecordedStackTrace stack = event.getStackTrace();
                if (stack == null || stack.getFrames().isEmpty()) {
                    continue;
                }
                samples++;
                List<RecordedFrame> frames = stack.getFrames();
                self.merge(name(frames.get(0)), 1, Integer::sum);
                Set<String> seen = new HashSet<>();
                Set<String> seenWatched = new HashSet<>();
                for (RecordedFrame frame : frames) {
                    String name = name(frame);
                    if (seen.add(name)) {
                        inclusive.merge(name, 1, Integer::sum);
                    }
                    for (String prefix : WATCHED) {
                        if (name.startsWith(prefix) && seenWatched.add(prefix)) {
                            watched.merge(prefix, 1, Integer::sum);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s: %d CPU samples (10 ms each) over %d logins: %.2f per login%n",
                title, samples, logins, samples / (double) logins));
        out.append(String.format(Locale.ROOT, "Memory allocated (JFR's estimate): %.0f kB per login%n",
                allocated / 1024.0 / logins));
        out.append("\nWatched frames, inclusive: CPU samples per login, share of all samples, kB allocated per login:\n");
        for (String prefix : WATCHED) {
            int count = watched.getOrDefault(prefix, 0);
            out.append(String.format(Locale.ROOT, "  %7.3f  %5.1f %%  %8.1f kB  %s%n", count / (double) logins,
                    100.0 * count / Math.max(1, samples), allocatedIn.getOrDefault(prefix, 0L) / 1024.0 / logins,
                    prefix));
        }
        out.append("\nTop 40 frames, inclusive, of this extension and its libraries:\n")
                .append(top(inclusive.entrySet().stream()
                        .filter(e -> e.getKey().startsWith("io.twostep") || e.getKey().startsWith("com.vonage")
                                || e.getKey().startsWith("com.fasterxml") || e.getKey().startsWith("com.google")
                                || e.getKey().startsWith("org.apache.http"))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), 40, samples, logins));
        out.append("\nTop 30 frames on the CPU (self):\n").append(top(self, 30, samples, logins));
        out.append("\nTop 60 frames, inclusive, in io.twostep, com.vonage, com.fasterxml, org.keycloak:\n")
                .append(top(inclusive.entrySet().stream()
                        .filter(e -> e.getKey().startsWith("io.twostep") || e.getKey().startsWith("com.vonage")
                                || e.getKey().startsWith("com.fasterxml") || e.getKey().startsWith("org.keycloak"))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), 60, samples, logins));
        return out.toString();
    }

    /**
     * Summarises a recording again: {@code java -cp target/test-classes io.twostep.keycloak.benchmark.Profiler
     * <file.jfr> <title> <logins>}.
     */
    public static void main(String[] args) {
        System.out.println(summarise(Path.of(args[0]), args[1], Integer.parseInt(args[2])));
    }

    private static String top(Map<String, Integer> counts, int n, int samples, int logins) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(n)
                .map(e -> String.format(Locale.ROOT, "  %7.3f  %5.1f %%  %s", e.getValue() / (double) logins,
                        100.0 * e.getValue() / Math.max(1, samples), e.getKey()))
                .collect(Collectors.joining("\n")) + "\n";
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private void jcmd(String... command) {
        try {
            Files.createDirectories(dir);
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            String[] args = new String[command.length + 2];
            args[0] = jcmd;
            args[1] = Long.toString(keycloak.pid());
            System.arraycopy(command, 0, args, 2, command.length);
            Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new IllegalStateException("jcmd " + String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
