package io.twostep.keycloak.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * The secrets file of this test run, which the log-hygiene test reads: every phone number the suite creates or
 * types, every code the fake gateway sent, and the passwords and keys the suite uses. One line per value,
 * {@code kind:value} (kinds: {@code number}, {@code code}, {@code text}; see {@link LogScanner}); the first line is
 * {@code # run <id>}. The first use in a test JVM of a new run empties the file, so values of earlier runs never
 * count; the run id comes from {@code twostep.runId} (Maven gives each build its own), else one per JVM.
 */
public final class IssuedSecrets {

    /** Header line that starts the file of a run. */
    public static final String RUN_HEADER = "# run ";

    /**
     * The file, open for appending from the first write on: each write is one {@code write} call of whole lines (the
     * fake gateway records every SMS, thousands in the load benchmark, where opening and closing the file each time
     * cost the shared cores about 0.08 ms per SMS). Closed by the operating system when the JVM ends.
     */
    private static FileChannel channel;

    private IssuedSecrets() {
    }

    /** @return this run's id */
    public static String runId() {
        return RUN_ID;
    }

    private static final String RUN_ID = System.getProperty("twostep.runId", "jvm-" + UUID.randomUUID());

    /** @return the secrets file */
    public static Path file() {
        return Path.of(System.getProperty("twostep.secretsLog", "target/issued-secrets.txt")).toAbsolutePath();
    }

    /** The kinds of line, each followed by its value. */
    static final String NUMBER = "number:";
    static final String CODE = "code:";
    static final String TEXT = "text:";
    static final String FACT = "fact:";

    /** Records phone numbers (any form: E.164, national, spaced), created or typed by a test. */
    public static void numbers(Collection<String> numbers) {
        write(numbers.stream().map(n -> NUMBER + n).toList());
    }

    /** Records one phone number. */
    public static void number(String number) {
        numbers(List.of(number));
    }

    /** Records a one-time code. */
    public static void code(String code) {
        write(List.of(CODE + code));
    }

    /** Records a secret string (password, key, token) that must never appear in the log, in any encoding. */
    public static void text(String secret) {
        write(List.of(TEXT + secret));
    }

    /**
     * Records an e-mail notice the suite received: the address it went to, and each line of its text that is long
     * enough to be the notice's own (kinds {@code address} and {@code notice}).
     */
    public static void notice(String address, String text) {
        List<String> lines = new java.util.ArrayList<>();
        lines.add("address:" + address);
        text.lines().map(String::strip).filter(l -> l.length() >= 40).forEach(l -> lines.add("notice:" + l));
        write(lines);
    }

    /** Records that something happened in this run, e.g. that a signed request reached the gateway. */
    public static void fact(String fact) {
        write(List.of(FACT + fact));
    }

    /** Records lines that already carry their kind ({@link #NUMBER}, {@link #CODE}, …), in one append. */
    static void record(List<String> kindedLines) {
        write(kindedLines);
    }

    private static synchronized void write(List<String> lines) {
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            if (line.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("one line per value");
            }
            out.append(line).append('\n');
        }
        try {
            if (channel == null) {
                Path file = file();
                start(file);
                channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            }
            ByteBuffer bytes = StandardCharsets.UTF_8.encode(out.toString());
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Empties the file unless it already belongs to this run (a second Surefire execution of the same build). */
    private static void start(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        String header = RUN_HEADER + RUN_ID;
        boolean ours = Files.isRegularFile(file) && Files.readAllLines(file).stream().findFirst()
                .filter(header::equals).isPresent();
        if (!ours) {
            Files.writeString(file, header + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        }
        // What every run uses, whichever tests run.
        String basic = java.util.Base64.getEncoder().encodeToString(
                (FakeVonage.API_KEY + ":" + FakeVonage.API_SECRET).getBytes(StandardCharsets.UTF_8));
        Files.writeString(file, "text:" + FakeVonage.API_SECRET + "\ntext:" + basic + "\ntext:"
                + FakeVonage.SIGNATURE_SECRET + "\ntext:" + TestUsers.PASSWORD + "\ntotp:" + TestUsers.TOTP_SECRET
                + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }
}
