package io.twostep.keycloak.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.brotli.dec.BrotliInputStream;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPInputStream;

/**
 * A real headless Chromium for pages HtmlUnit cannot run (the admin console is ES modules with an import map).
 * The build machine has no browser and no package manager to use, so the test fetches a self-contained Chromium
 * build for Linux x86-64 from the npm registry ({@code @sparticuz/chromium}: the browser and the few libraries it
 * needs besides glibc, brotli-compressed), checks its SHA-512, unpacks it under {@code target/}, and drives it
 * through the Chrome DevTools Protocol over a WebSocket.
 */
public final class HeadlessChromium implements AutoCloseable {

    static final String VERSION = "153.0.0";
    static final String TARBALL = "https://registry.npmjs.org/@sparticuz/chromium/-/chromium-" + VERSION + ".tgz";
    /** npm's {@code dist.integrity} of that tarball. */
    static final String SHA512 = "jiGWqSvPMdu4+P9TilYqAR7yEGPEHINx+lCvE/NqNO/EHYzF/x1hUiI5T6ioVIt7dEy7n88byyT0vk+dnsgQwA==";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final WebSocket socket;
    private Path profile;
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    private HeadlessChromium(Process process, WebSocket socket) {
        this.process = process;
        this.socket = socket;
    }

    /**
     * @param workDir where the download and the unpacked browser are kept between runs (e.g. {@code target/chromium})
     * @return a browser with one blank page
     * @throws IOException when the download, the check or the start fails
     */
    public static HeadlessChromium start(Path workDir) throws Exception {
        Path bin = unpack(workDir);
        Path profile = Files.createTempDirectory(workDir, "profile");
        // The switches this build is made for (its package's defaults): one process, software GL.
        ProcessBuilder builder = new ProcessBuilder(bin.resolve("chromium").toString(), "--headless=shell",
                "--no-sandbox", "--no-zygote", "--single-process", "--in-process-gpu", "--use-gl=angle",
                "--use-angle=swiftshader", "--disable-dev-shm-usage", "--no-first-run", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "--window-size=1400,1000", "about:blank");
        builder.environment().put("LD_LIBRARY_PATH", bin.resolve("lib") + ":" + bin);
        // The packaged fonts.conf points at /tmp/fonts; without fonts this build aborts when it first draws text.
        Files.writeString(bin.resolve("fonts/fonts.conf"), "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM "
                + "\"fonts.dtd\">\n<fontconfig>\n  <dir>" + bin.resolve("fonts/fonts").toAbsolutePath() + "</dir>\n"
                + "  <cachedir>" + workDir.resolve("fonts-cache").toAbsolutePath() + "</cachedir>\n</fontconfig>\n");
        builder.environment().put("FONTCONFIG_PATH", bin.resolve("fonts").toAbsolutePath().toString());
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process process = builder.start();
        try {
            CompletableFuture<String> endpoint = new CompletableFuture<>();
            Path log = workDir.resolve("chromium.log");
            Thread drain = new Thread(() -> {
                try (BufferedReader stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                        StandardCharsets.UTF_8)); var out = Files.newBufferedWriter(log)) {
                    String next;
                    while ((next = stderr.readLine()) != null) {
                        if (next.startsWith("DevTools listening on ")) {
                            endpoint.complete(next.substring("DevTools listening on ".length()).trim());
                        }
                        out.write(next);
                        out.newLine();
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // the browser ended
                }
                endpoint.completeExceptionally(new IOException("Chromium ended before it listened; see " + log));
            });
            drain.setDaemon(true);
            drain.start();
            URI devtools = URI.create(endpoint.get(30, TimeUnit.SECONDS));
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            JsonNode page = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://" + devtools.getHost()
                                    + ":" + devtools.getPort() + "/json/new?about:blank")).timeout(Duration.ofSeconds(10))
                            .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString())
                    .body());
            CompletableFuture<HeadlessChromium> self = new CompletableFuture<>();
            StringBuilder frame = new StringBuilder();
            WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(page.path("webSocketDebuggerUrl")
                    .asText()), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                            frame.append(data);
                            if (last) {
                                String text = frame.toString();
                                frame.setLength(0);
                                self.thenAccept(browser -> browser.receive(text));
                            }
                            ws.request(1);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            HeadlessChromium browser = new HeadlessChromium(process, socket);
            browser.profile = profile;
            self.complete(browser);
            browser.send("Page.enable", JSON.createObjectNode());
            browser.send("Runtime.enable", JSON.createObjectNode());
            return browser;
        } catch (Exception e) {
            stop(process);
            deleteTree(profile);
            throw e;
        }
    }

    private static void stop(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void receive(String text) {
        try {
            JsonNode message = JSON.readTree(text);
            if (message.has("id")) {
                CompletableFuture<JsonNode> waiting = pending.remove(message.get("id").asInt());
                if (waiting != null) {
                    waiting.complete(message);
                }
            }
        } catch (IOException e) {
            // not JSON: ignore
        }
    }

    /** Sends a DevTools command and waits for its result (10 s). */
    public JsonNode send(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
        command.set("params", params);
        socket.sendText(JSON.writeValueAsString(command), true).get(10, TimeUnit.SECONDS);
        JsonNode message = answer.get(10, TimeUnit.SECONDS);
        if (message.has("error")) {
            throw new IllegalStateException(method + ": " + message.get("error"));
        }
        return message.path("result");
    }

    /** Opens a URL in the page. */
    public void open(String url) throws Exception {
        send("Page.navigate", JSON.createObjectNode().put("url", url));
    }

    /**
     * @return the value of a JavaScript expression in the page (promises awaited)
     * @throws AssertionError when the script throws
     */
    public JsonNode eval(String expression) throws Exception {
        JsonNode result = send("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        if (result.has("exceptionDetails")) {
            throw new AssertionError("script failed: " + expression + ": " + result.path("exceptionDetails")
                    .path("exception").path("description").asText(result.path("exceptionDetails").toString()));
        }
        return result.path("result").path("value");
    }

    /** Waits until a JavaScript condition holds. */
    public void waitFor(String condition, Duration timeout) throws Exception {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            try {
                if (eval("!!(" + condition + ")").asBoolean()) {
                    return;
                }
            } catch (IllegalStateException | AssertionError e) {
                // the page is changing, or not there yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("timed out waiting for " + condition + " on " + eval("location.href").asText()
                + ": " + eval("document.body ? document.body.innerText.substring(0, 500) : ''").asText());
    }

    /** Types text into the focused element, as a keyboard would (frameworks see real input events). */
    public void type(String text) throws Exception {
        send("Input.insertText", JSON.createObjectNode().put("text", text));
    }

    /** @return a PNG screenshot of the page */
    public byte[] screenshot() throws Exception {
        return Base64.getDecoder().decode(send("Page.captureScreenshot", JSON.createObjectNode()).path("data").asText());
    }

    @Override
    public void close() {
        socket.abort();
        stop(process);
        try {
            deleteTree(profile);
        } catch (IOException e) {
            // a leftover profile under target/ does no harm
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static Path unpack(Path workDir) throws Exception {
        Path bin = workDir.resolve("chromium-" + VERSION);
        if (Files.isExecutable(bin.resolve("chromium"))) {
            return bin;
        }
        Files.createDirectories(workDir);
        Path tarball = workDir.resolve("chromium-" + VERSION + ".tgz");
        if (!Files.exists(tarball)) {
            Path partial = workDir.resolve("chromium-" + VERSION + ".tgz.part");
            HttpResponse<Path> download = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                    .proxy(java.net.ProxySelector.getDefault()).connectTimeout(Duration.ofSeconds(30)).build()
                    .send(HttpRequest.newBuilder(URI.create(TARBALL)).timeout(Duration.ofMinutes(10)).build(),
                            HttpResponse.BodyHandlers.ofFile(partial));
            if (download.statusCode() != 200) {
                throw new IOException("download of " + TARBALL + " answered " + download.statusCode());
            }
            Files.move(partial, tarball, StandardCopyOption.REPLACE_EXISTING);
        }
        MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
        try (InputStream in = Files.newInputStream(tarball)) {
            in.transferTo(new java.security.DigestOutputStream(java.io.OutputStream.nullOutputStream(), sha512));
        }
        if (!SHA512.equals(Base64.getEncoder().encodeToString(sha512.digest()))) {
            Files.delete(tarball);
            throw new IOException("checksum mismatch for " + TARBALL);
        }
        Path staging = Files.createTempDirectory(workDir, "unpack");
        try {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball))) {
                Tar.extract(in, staging);
            }
            Path packed = staging.resolve("package/bin");
            Path out = Files.createDirectories(staging.resolve("out"));
            try (InputStream in = new BrotliInputStream(Files.newInputStream(packed.resolve("chromium.br")))) {
                Files.copy(in, out.resolve("chromium"));
            }
            out.resolve("chromium").toFile().setExecutable(true);
            for (String[] part : new String[][]{{"al2023.tar.br", ""}, {"swiftshader.tar.br", ""},
                    {"fonts.tar.br", "fonts"}}) {
                try (InputStream in = new BrotliInputStream(Files.newInputStream(packed.resolve(part[0])))) {
                    Tar.extract(in, part[1].isEmpty() ? out : out.resolve(part[1]));
                }
            }
            try {
                Files.move(out, bin, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isExecutable(bin.resolve("chromium"))) { // else another run unpacked it meanwhile
                    throw e;
                }
            }
        } finally {
            deleteTree(staging);
        }
        return bin;
    }

    /** Just enough of the tar format for these archives: regular files and directories. */
    static final class Tar {
        static void extract(InputStream in, Path into) throws IOException {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512) {
                String name = text(header, 0, 100);
                if (name.isEmpty()) {
                    return;
                }
                String prefix = text(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                long size = Long.parseLong(text(header, 124, 12).trim().isEmpty() ? "0" : text(header, 124, 12).trim(), 8);
                char type = (char) header[156];
                Path target = into.resolve(name).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException("tar entry outside the target: " + name);
                }
                if (type == '5') {
                    Files.createDirectories(target);
                } else if (type == '0' || type == 0) {
                    Files.createDirectories(target.getParent());
                    try (var file = Files.newOutputStream(target)) {
                        copy(in, file, size);
                    }
                    if ((Long.parseLong(text(header, 100, 8).trim(), 8) & 0100) != 0) {
                        target.toFile().setExecutable(true);
                    }
                } else {
                    copy(in, java.io.OutputStream.nullOutputStream(), size); // pax headers and the like
                }
                long padding = (512 - size % 512) % 512;
                in.readNBytes((int) padding);
            }
        }

        private static void copy(InputStream in, java.io.OutputStream out, long size) throws IOException {
            byte[] buffer = new byte[65536];
            long left = size;
            while (left > 0) {
                int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (read < 0) {
                    throw new IOException("truncated tar");
                }
                out.write(buffer, 0, read);
                left -= read;
            }
        }

        private static String text(byte[] header, int offset, int length) {
            int end = offset;
            while (end < offset + length && header[end] != 0) {
                end++;
            }
            return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
        }
    }

    /** For debugging a failing run: keeps a screenshot, if the browser can still take one. */
    public void screenshotTo(Path file) {
        try {
            Files.write(file, screenshot());
        } catch (Exception e) {
            // the browser is gone; the test's own failure says why
        }
    }

    /** Polls a Java-side condition. */
    public static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
            Thread.sleep(250);
        }
    }
}
