package io.twostep.keycloak.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local stand-in for Vonage's SMS API ({@code POST /sms/json}, form-encoded, Basic auth with key and secret),
 * answering like Vonage does: HTTP 200 with per-part {@code status}. Tests switch it to a fault for the next
 * requests. Every code and number it sees is appended to the secrets file, which the log-hygiene test reads.
 */
public final class FakeVonage {

    public static final String API_KEY = "test-api-key";
    public static final String API_SECRET = "test-api-secret-7f3a91";
    /** Secret of signed requests ({@code signature-secret}), used by the server of the limit journeys. */
    public static final String SIGNATURE_SECRET = "test-signature-secret-2c84e7";

    /** What the fake answers. */
    public sealed interface Behaviour {
        /** Accept the message. */
        record Accept() implements Behaviour {
        }

        /** HTTP 200 with this per-part status, e.g. 3 for an invalid number. */
        record Status(int status, String errorText) implements Behaviour {
        }

        /** HTTP 200 with one answer part per status, e.g. {@code 0, 9}: the first part sent, the second refused. */
        record Parts(List<Integer> statuses) implements Behaviour {
        }

        /** This HTTP status with a JSON error body. */
        record Http(int httpStatus) implements Behaviour {
        }

        /** HTTP 200 with a body that is not JSON. */
        record NotJson() implements Behaviour {
        }

        /** Answer only after this many milliseconds. */
        record Slow(long millis) implements Behaviour {
        }

        /** Answer with {@code fault} to the next {@code times} requests, then accept. */
        record FailFirst(Behaviour fault, int times) implements Behaviour {
        }
    }

    /** One request the fake received, and when ({@link System#nanoTime()}). */
    public record Sms(String to, String from, String text, String type, boolean authorised, long receivedAt) {
        private static final Pattern CODE = Pattern.compile("#(\\d{6,10})\\s*$");
        private static final Pattern DIGITS = Pattern.compile("(?<!\\d)(\\d{6,10})(?!\\d)");

        /**
         * @return the code from the origin-bound last line, or, where the server has no configured host and leaves
         *         that line out, the first run of 6 to 10 digits in the text
         */
        public String code() {
            Matcher m = CODE.matcher(text);
            if (m.find()) {
                return m.group(1);
            }
            Matcher digits = DIGITS.matcher(text);
            if (!digits.find()) {
                throw new AssertionError("no code in SMS text");
            }
            return digits.group(1);
        }
    }

    private static FakeVonage instance;

    private final HttpServer server;
    /** Every SMS in arrival order; a queue, since a copy-on-write list would copy all of them on every SMS. */
    private final Queue<Sms> received = new ConcurrentLinkedQueue<>();
    /** The same SMS by destination (digits without {@code +}), so that a test's look-up does not scan every SMS. */
    private final Map<String, List<Sms>> byNumber = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicReference<Behaviour> behaviour = new AtomicReference<>(new Behaviour.Accept());
    private final AtomicInteger messageIds = new AtomicInteger(1000);
    private final AtomicInteger faultsLeft = new AtomicInteger();
    private final Map<String, Behaviour> perNumber = new java.util.concurrent.ConcurrentHashMap<>();

    private FakeVonage() throws IOException {
        // The JDK's server writes a response's headers and its body in two TCP segments; with Nagle's algorithm on,
        // the body waits for the client's ACK of the headers, which Linux may delay by 40 ms. Vonage's servers send
        // at once, and so must the fake, or SMS sends pay that stall at random. The JDK reads the property once, when
        // the first com.sun.net.httpserver server of the JVM starts (the test framework starts some too), so the
        // build sets it for every test JVM; this is the fallback for a JVM started otherwise (e.g. from an IDE).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.createContext("/sms/json", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        // Starts this run's secrets file, with the API secret, its Basic-auth form and the signature secret.
        IssuedSecrets.fact("fake gateway at " + baseUri());
    }

    /** @return the one fake of this test JVM, started on first use */
    public static synchronized FakeVonage instance() {
        if (instance == null) {
            try {
                instance = new FakeVonage();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** @return base URI to give the Vonage SDK, e.g. {@code http://127.0.0.1:41234} */
    public String baseUri() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Sets what the next requests get until changed. */
    public void behave(Behaviour next) {
        if (next instanceof Behaviour.FailFirst failFirst) {
            faultsLeft.set(failFirst.times());
        }
        behaviour.set(next);
    }

    /** Sets what requests to one number get, whatever the general behaviour. */
    public void behaveFor(String e164, Behaviour next) {
        perNumber.put(e164.startsWith("+") ? e164.substring(1) : e164, next);
    }

    /** Back to accepting, history kept. */
    public void reset() {
        behaviour.set(new Behaviour.Accept());
        perNumber.clear();
    }

    /** @return every SMS received so far, oldest first */
    public List<Sms> received() {
        return new ArrayList<>(received);
    }

    /** @return SMS received for this E.164 number (with or without {@code +}) */
    public List<Sms> to(String e164) {
        String digits = e164.startsWith("+") ? e164.substring(1) : e164;
        return List.copyOf(byNumber.getOrDefault(digits, List.of()));
    }

    /** @return the newest SMS to this number */
    public Sms last(String e164) {
        List<Sms> list = to(e164);
        if (list.isEmpty()) {
            throw new AssertionError("no SMS received for the test number");
        }
        return list.get(list.size() - 1);
    }

    private void handle(HttpExchange exchange) throws IOException {
        Map<String, String> form = parseForm(new String(exchange.getRequestBody().readAllBytes(),
                StandardCharsets.UTF_8));
        boolean authorised = isAuthorised(exchange, form);
        Sms sms = new Sms(form.getOrDefault("to", ""), form.get("from"), form.getOrDefault("text", ""),
                form.get("type"), authorised, System.nanoTime());
        received.add(sms);
        byNumber.computeIfAbsent(sms.to(), k -> new CopyOnWriteArrayList<>()).add(sms);
        Behaviour now = authorised ? perNumber.getOrDefault(sms.to(), behaviour.get()) : null;
        if (now instanceof Behaviour.FailFirst failFirst) {
            now = faultsLeft.getAndDecrement() > 0 ? failFirst.fault() : new Behaviour.Accept();
        }
        boolean held = now instanceof Behaviour.Slow;
        if (held) {
            recordSecrets(sms, form); // before the hold, which may outlast the test JVM
        }
        try {
            answer(exchange, sms, now);
        } finally {
            if (!held) {
                // After the answer, which does not wait for the file: the log scan reads it only after the run.
                recordSecrets(sms, form);
            }
        }
    }

    /** @param now what to answer an authorised request with; {@code null} for a request that is not authorised */
    private void answer(HttpExchange exchange, Sms sms, Behaviour now) throws IOException {
        try (exchange) {
            if (!sms.authorised()) {
                respond(exchange, 401, "{\"type\":\"https://developer.nexmo.com/api-errors#unauthorized\","
                        + "\"title\":\"Unauthorized\",\"detail\":\"You did not provide correct credentials.\"}");
                return;
            }
            if (now instanceof Behaviour.Slow slow) {
                sleep(slow.millis());
                respond(exchange, 200, accepted(sms));
            } else if (now instanceof Behaviour.Status status) {
                respond(exchange, 200, "{\"message-count\":\"1\",\"messages\":[{\"status\":\"" + status.status()
                        + "\",\"error-text\":\"" + status.errorText() + "\"}]}");
            } else if (now instanceof Behaviour.Parts parts) {
                StringBuilder body = new StringBuilder("{\"message-count\":\"" + parts.statuses().size()
                        + "\",\"messages\":[");
                for (int i = 0; i < parts.statuses().size(); i++) {
                    int status = parts.statuses().get(i);
                    body.append(i == 0 ? "" : ",").append("{\"to\":\"").append(sms.to()).append("\",\"status\":\"")
                            .append(status).append(status == 0
                                    ? "\",\"message-id\":\"fake-part-" + messageIds.incrementAndGet() + "\"}"
                                    : "\",\"error-text\":\"refused\"}");
                }
                respond(exchange, 200, body.append("]}").toString());
            } else if (now instanceof Behaviour.Http http) {
                respond(exchange, http.httpStatus(), "{\"type\":\"about:blank\",\"title\":\"Error\","
                        + "\"detail\":\"fake failure\"}");
            } else if (now instanceof Behaviour.NotJson) {
                exchange.getResponseHeaders().add("Content-Type", "text/html");
                byte[] body = "<html><body>Bad gateway</body></html>".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } else {
                respond(exchange, 200, accepted(sms));
            }
        }
    }

    private String accepted(Sms sms) {
        return "{\"message-count\":\"1\",\"messages\":[{\"to\":\"" + sms.to() + "\",\"message-id\":\"fake-"
                + messageIds.incrementAndGet() + "\",\"status\":\"0\",\"remaining-balance\":\"10.00\","
                + "\"message-price\":\"0.05\",\"network\":\"26201\"}]}";
    }

    private static boolean isAuthorised(HttpExchange exchange, Map<String, String> form) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String expected = "Basic " + Base64.getEncoder().encodeToString(
                (API_KEY + ":" + API_SECRET).getBytes(StandardCharsets.UTF_8));
        return expected.equals(header)
                || (API_KEY.equals(form.get("api_key")) && API_SECRET.equals(form.get("api_secret")))
                // Signed requests: the signature itself is not checked here, only that one came.
                || (API_KEY.equals(form.get("api_key")) && form.get("sig") != null && form.get("timestamp") != null);
    }

    private static final Pattern DIGITS_ONLY = Pattern.compile("\\d+");

    /** One append to the secrets file per request: the number, the code, a signature. */
    private static void recordSecrets(Sms sms, Map<String, String> form) {
        List<String> lines = new ArrayList<>();
        if (!sms.to().isEmpty()) {
            lines.add(IssuedSecrets.NUMBER + (DIGITS_ONLY.matcher(sms.to()).matches() ? "+" + sms.to() : sms.to()));
        }
        try {
            lines.add(IssuedSecrets.CODE + sms.code());
        } catch (AssertionError ignored) {
            // no code in this text
        }
        if (form.get("sig") != null) {
            lines.add(IssuedSecrets.TEXT + form.get("sig"));
            lines.add(IssuedSecrets.FACT + SIGNED_REQUEST);
        }
        IssuedSecrets.record(lines);
    }

    /** Recorded in the secrets file when a signed request reached the fake in this run. */
    public static final String SIGNED_REQUEST = "signed request received";

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static Map<String, String> parseForm(String body) {
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
