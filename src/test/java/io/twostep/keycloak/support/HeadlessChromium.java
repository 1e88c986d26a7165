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
import java.util.List;
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
 * through the Chrome DevTools Protocol over a WebSocket. One browser serves the whole test run ({@link #shared()});
 * a test sizes its window as a phone's or a desktop's, presses keys as a keyboard does, runs scripts in the page
 * and saves screenshots.
 */
public final class HeadlessChromium implements AutoCloseable {

    static final String VERSION = "153.0.0";
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

    private static HeadlessChromium shared;
    /** The viewport last set: width, height, 1 for a phone; {@code null} for the window's own. */
    private int[] viewport;
    private final List<String> scripts = new java.util.ArrayList<>();

    /**
     * The browser of this test run: the first call starts it under {@code target/chromium} (a few seconds), later
     * calls get the same process back, reset (no cookies, no viewport or scripts set by an earlier test, a blank
     * page), so the suite starts Chromium once. It ends with the JVM; callers do not close it.
     *
     * @throws IOException when the download, the check or the start fails
     */
    public static synchronized HeadlessChromium shared() throws Exception {
        if (shared == null || !shared.process.isAlive()) {
            HeadlessChromium browser = start(Path.of("target", "chromium"));
            Runtime.getRuntime().addShutdownHook(new Thread(browser::close));
            shared = browser;
        }
        shared.reset();
        return shared;
    }

    /** Deletes every cookie, as a new browser profile would have none (no Keycloak session, no remembered device). */
    public void forgetCookies() throws Exception {
        send("Network.clearBrowserCookies", JSON.createObjectNode());
    }

    private void reset() throws Exception {
        for (String id : List.copyOf(scripts)) {
            forgetScript(id);
        }
        forgetCookies();
        send("Emulation.clearDeviceMetricsOverride", JSON.createObjectNode());
        viewport = null;
        navigate("about:blank");
    }

    /**
     * Like {@link #onEveryPage}, but undone by the next {@link #shared()} call, so one test's scripts never reach
     * another's pages.
     *
     * @return an id for {@link #forgetScript}
     */
    public String onEveryPageOfThisTest(String source) throws Exception {
        String id = onEveryPage(source);
        scripts.add(id);
        return id;
    }

    /**
     * @param workDir where the download and the unpacked browser are kept between runs (e.g. {@code target/chromium})
     * @return a browser with one blank page
     * @throws IOException when the download, the check or the start fails
     */
    public static HeadlessChromium start(Path workDir) throws Exception {
        Path bin = unpack(workDir);
        Path profile = Files.createTempDirectory(workDir, "profile");
        // The switches this build is made for (its package's defaults): one process, software GL. And no GPU at all:
        // painting on the CPU is several times quicker than SwiftShader's emulated GPU (a screenshot of a login page,
        // with Keycloak's drawn background, about 0.15 s instead of 1 s).
        ProcessBuilder builder = new ProcessBuilder(bin.resolve("chromium").toString(), "--headless=shell",
                "--no-sandbox", "--no-zygote", "--single-process", "--in-process-gpu", "--use-gl=angle",
                "--use-angle=swiftshader", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1400,1000", "about:blank");
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            // A session of its own: whatever the browser signals to its process group never reaches the build.
            builder.command().add(0, "/usr/bin/setsid");
        }
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
        return send(method, params, Duration.ofSeconds(10));
    }

    /**
     * Sends a DevTools command and waits for its result.
     *
     * @throws IllegalStateException when the browser answers with an error
     * @throws java.util.concurrent.TimeoutException when no answer comes within {@code timeout}
     */
    public JsonNode send(String method, ObjectNode params, Duration timeout) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
        command.set("params", params);
        socket.sendText(JSON.writeValueAsString(command), true).get(10, TimeUnit.SECONDS);
        JsonNode message = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
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
        return eval(expression, Duration.ofSeconds(10));
    }

    /**
     * @param timeout how long the expression (and the promise it returns) may take
     * @return the value of a JavaScript expression in the page (promises awaited)
     * @throws AssertionError when the script throws
     */
    public JsonNode eval(String expression, Duration timeout) throws Exception {
        JsonNode result = send("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true), timeout);
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
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + condition + " on " + eval("location.href").asText()
                + ": " + eval("document.body ? document.body.innerText.substring(0, 500) : ''").asText());
    }

    /**
     * Opens a URL and waits until the new document has loaded ({@code document.readyState} complete, 30 s).
     *
     * @throws AssertionError when no new document loads in time
     */
    public void navigate(String url) throws Exception {
        whileNewPageLoads(() -> open(url));
    }

    /** Something that makes the page go elsewhere (a click, a key, a navigation). */
    @FunctionalInterface
    public interface PageAction {
        void run() throws Exception;
    }

    /**
     * Runs {@code action}, which makes the browser load another document (a form sent, a link followed), and waits
     * until that document has loaded (30 s). The current document is marked first, so the wait cannot end on it.
     *
     * @throws AssertionError when no new document loads in time
     */
    public void whileNewPageLoads(PageAction action) throws Exception {
        try {
            eval("window.__twoStepOldPage = true");
        } catch (AssertionError | IllegalStateException e) {
            // no document yet
        }
        action.run();
        waitFor("!window.__twoStepOldPage && document.readyState === 'complete'", Duration.ofSeconds(30));
    }

    /**
     * Sets the page's viewport, as a phone or a desktop window would have it; {@code mobile} also makes the page's
     * {@code <meta name="viewport">} count, as on a phone.
     *
     * @param width  CSS pixels, e.g. 375 (a small phone) or 1280
     * @param height CSS pixels of the visible area
     */
    public void viewport(int width, int height, boolean mobile) throws Exception {
        viewport = new int[]{width, height, mobile ? 1 : 0};
        send("Emulation.setDeviceMetricsOverride", JSON.createObjectNode().put("width", width).put("height", height)
                .put("deviceScaleFactor", 1).put("mobile", mobile));
        settle();
    }

    /** Waits two frames, so that the page has handled a resize (its {@code resize} listeners ran, it was laid out). */
    private void settle() throws Exception {
        try {
            eval("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))");
        } catch (AssertionError | IllegalStateException e) {
            // no document to settle
        }
    }

    /**
     * Presses and releases one key on the focused element, as a keyboard does (key down, the character, key up), so
     * the page's default actions run: {@code Tab} moves the focus, {@code Enter} sends a form or follows a link,
     * {@code Space} ticks a box or presses a button.
     *
     * @param key   {@code Tab}, {@code Enter}, {@code Space} or a single printable character
     * @param shift whether Shift is held (Shift+Tab goes backwards)
     * @throws IllegalArgumentException for any other key
     */
    public void press(String key, boolean shift) throws Exception {
        String name;
        String code;
        int keyCode;
        String text;
        switch (key) {
            case "Tab" -> {
                name = "Tab";
                code = "Tab";
                keyCode = 9;
                text = null;
            }
            case "Enter" -> {
                name = "Enter";
                code = "Enter";
                keyCode = 13;
                text = "\r";
            }
            case "Space" -> {
                name = " ";
                code = "Space";
                keyCode = 32;
                text = " ";
            }
            default -> {
                if (key.length() != 1) {
                    throw new IllegalArgumentException("no such key: " + key);
                }
                name = key;
                char c = key.charAt(0);
                code = Character.isDigit(c) ? "Digit" + c : Character.isLetter(c)
                        ? "Key" + Character.toUpperCase(c) : "";
                keyCode = Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : 0;
                text = key;
            }
        }
        ObjectNode down = JSON.createObjectNode().put("type", text == null ? "rawKeyDown" : "keyDown")
                .put("key", name).put("code", code).put("windowsVirtualKeyCode", keyCode)
                .put("nativeVirtualKeyCode", keyCode).put("modifiers", shift ? 8 : 0);
        if (text != null) {
            down.put("text", text).put("unmodifiedText", text);
        }
        send("Input.dispatchKeyEvent", down);
        send("Input.dispatchKeyEvent", JSON.createObjectNode().put("type", "keyUp").put("key", name)
                .put("code", code).put("windowsVirtualKeyCode", keyCode).put("nativeVirtualKeyCode", keyCode)
                .put("modifiers", shift ? 8 : 0));
    }

    /** Types {@code text} key by key into the focused element ({@link #press} for each character). */
    public void typeKeys(String text) throws Exception {
        for (int i = 0; i < text.length(); i++) {
            press(String.valueOf(text.charAt(i)), Character.isUpperCase(text.charAt(i)));
        }
    }

    /**
     * Runs {@code source} in every document the page loads from now on, before the page's own scripts.
     *
     * @return an id for {@link #forgetScript}
     */
    public String onEveryPage(String source) throws Exception {
        return send("Page.addScriptToEvaluateOnNewDocument", JSON.createObjectNode().put("source", source))
                .path("identifier").asText();
    }

    /** Stops running a script that {@link #onEveryPage} added. */
    public void forgetScript(String id) throws Exception {
        scripts.remove(id);
        send("Page.removeScriptToEvaluateOnNewDocument", JSON.createObjectNode().put("identifier", id));
    }

    /**
     * Saves a PNG of the whole page, below the visible area too, at the current viewport width. A page that scrolls
     * inside a box of its own (as the Account Console does) is shown whole by making the window as tall as that
     * content for the moment of the picture.
     *
     * @param file where to write it; its folder is created
     */
    public void screenshotWholePage(Path file) throws Exception {
        int height = eval("Math.max(document.documentElement.scrollHeight, ...[...document.querySelectorAll('*')]"
                + ".filter(e => e.scrollHeight > e.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(e)"
                + ".overflowY)).map(e => e.getBoundingClientRect().top + window.scrollY + e.scrollHeight))").asInt();
        boolean taller = viewport != null && height > viewport[1];
        if (taller) {
            send("Emulation.setDeviceMetricsOverride", JSON.createObjectNode().put("width", viewport[0])
                    .put("height", height).put("deviceScaleFactor", 1).put("mobile", viewport[2] == 1));
            settle();
        }
        try {
            ObjectNode params = JSON.createObjectNode().put("optimizeForSpeed", true);
            if (viewport == null) {
                int width = eval("document.documentElement.clientWidth").asInt();
                params.put("captureBeyondViewport", true).set("clip", JSON.createObjectNode().put("x", 0)
                        .put("y", 0).put("width", width).put("height", height).put("scale", 1));
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Base64.getDecoder().decode(send("Page.captureScreenshot", params,
                    Duration.ofSeconds(30)).path("data").asText()));
        } finally {
            if (taller) {
                viewport(viewport[0], viewport[1], viewport[2] == 1);
            }
        }
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
        Path tarball = NpmTarball.fetch(workDir, "@sparticuz/chromium", VERSION, SHA512);
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
