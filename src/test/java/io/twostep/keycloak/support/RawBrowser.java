package io.twostep.keycloak.support;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A minimal browser over plain HTTP for journeys that many users run at the same instant: its own cookie jar, a
 * fixed client address (sent as {@code X-Forwarded-For}, honoured only by a server that trusts the proxy header),
 * and form posts by form id. It follows redirects within the server (e.g. to a required action) but not to the
 * client, so a finished login shows as a 302 to the client's redirect URI.
 */
public final class RawBrowser {

    private static final Pattern FORM = Pattern.compile("<form[^>]*\\bid=\"([^\"]+)\"[^>]*\\baction=\"([^\"]+)\"");

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final String clientAddress;
    private final String hostHeader;
    private String serverAuthority;
    /** Keycloak marks its cookies Secure even on http://localhost, which Java's CookieManager then never sends. */
    private final Map<String, String> cookies = new LinkedHashMap<>();
    private HttpResponse<String> last;

    /** @param clientAddress the address to claim in {@code X-Forwarded-For}, or {@code null} for none */
    public RawBrowser(String clientAddress) {
        this(clientAddress, null);
    }

    /**
     * @param clientAddress the address to claim in {@code X-Forwarded-For}, or {@code null} for none
     * @param hostHeader    a {@code Host} header to send instead of the real one, or {@code null}; links the server
     *                      builds on it are still sent to the real server (needs the JVM property
     *                      {@code jdk.httpclient.allowRestrictedHeaders=host})
     */
    public RawBrowser(String clientAddress, String hostHeader) {
        this.clientAddress = clientAddress;
        this.hostHeader = hostHeader;
    }

    /** Opens a URL. @return the page's HTML */
    public String open(String url) throws IOException, InterruptedException {
        return send(request(url).GET());
    }

    /**
     * Posts the page's form {@code formId} with {@code fields} (only those: no hidden fields are needed on our
     * pages).
     *
     * @return the answer's body
     * @throws IllegalStateException when the page has no such form
     */
    public String submit(String formId, Map<String, String> fields) throws IOException, InterruptedException {
        String action = formAction(formId);
        if (fields.containsKey("phoneNumber")) {
            IssuedSecrets.number(fields.get("phoneNumber")); // looked for in the server log afterwards
        }
        String body = fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(request(action).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Opens the login page at {@code loginUrl} and signs in with the password. @return the next page's HTML */
    public String signIn(String loginUrl, String username, String password) throws IOException, InterruptedException {
        open(loginUrl);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("username", username);
        fields.put("password", password);
        return submit("kc-form-login", fields);
    }

    /** @return whether the page has a form with this id */
    public boolean hasForm(String formId) {
        return last != null && FORM.matcher(last.body()).results().anyMatch(m -> m.group(1).equals(formId));
    }

    /** @return the HTTP status of the last answer */
    public int status() {
        return last.statusCode();
    }

    /** @return the last answer's body */
    public String page() {
        return last.body();
    }

    private String formAction(String formId) {
        if (last == null) {
            throw new IllegalStateException("no page open");
        }
        Matcher forms = FORM.matcher(last.body());
        while (forms.find()) {
            if (forms.group(1).equals(formId)) {
                return forms.group(2).replace("&amp;", "&");
            }
        }
        throw new IllegalStateException("no form " + formId + " on the page (HTTP " + status() + "): "
                + last.body().substring(0, Math.min(2000, last.body().length())));
    }

    private HttpRequest.Builder request(String url) {
        URI uri = URI.create(url);
        if (serverAuthority == null) {
            serverAuthority = uri.getAuthority();
        }
        if (hostHeader != null && uri.getAuthority().equals(hostHeader)) {
            uri = URI.create(url.replaceFirst("//" + java.util.regex.Pattern.quote(hostHeader), "//" + serverAuthority));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
        if (hostHeader != null) {
            request.header("Host", hostHeader);
        }
        if (clientAddress != null) {
            request.header("X-Forwarded-For", clientAddress);
        }
        if (!cookies.isEmpty()) {
            request.header("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining("; ")));
        }
        return request;
    }

    private String send(HttpRequest.Builder request) throws IOException, InterruptedException {
        receive(request);
        for (int hops = 0; hops < 5 && last.statusCode() / 100 == 3; hops++) {
            URI from = last.uri();
            URI to = from.resolve(last.headers().firstValue("Location").orElseThrow());
            if (!to.getAuthority().equals(from.getAuthority()) && !to.getAuthority().equals(hostHeader)) {
                break; // to the client: the login is done
            }
            receive(request(to.toString()).GET());
        }
        return last.body();
    }

    private void receive(HttpRequest.Builder request) throws IOException, InterruptedException {
        last = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        for (String header : last.headers().allValues("Set-Cookie")) {
            String pair = header.split(";", 2)[0];
            int equals = pair.indexOf('=');
            String name = pair.substring(0, equals).trim();
            String value = pair.substring(equals + 1).trim();
            if (value.isEmpty() || header.toLowerCase(java.util.Locale.ROOT).contains("max-age=0")) {
                cookies.remove(name);
            } else {
                cookies.put(name, value);
            }
        }
    }

    /** What each browser does in {@link #allAtOnce}: usually a form post; returns the page it got. */
    @FunctionalInterface
    public interface Call {
        String call(RawBrowser browser) throws Exception;
    }

    /**
     * Runs {@code call} on every browser at the same instant, one thread each, for budgets and claims that must hold
     * under real parallel requests.
     *
     * @return the pages, in the browsers' order (60 s at most for each)
     */
    public static List<String> allAtOnce(List<RawBrowser> browsers, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(browsers.size());
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> pages = new ArrayList<>();
            for (RawBrowser browser : browsers) {
                pages.add(pool.submit(() -> {
                    start.await();
                    return call.call(browser);
                }));
            }
            start.countDown();
            List<String> result = new ArrayList<>();
            for (Future<String> page : pages) {
                result.add(page.get(60, TimeUnit.SECONDS));
            }
            return result;
        } finally {
            pool.shutdownNow();
        }
    }
}
