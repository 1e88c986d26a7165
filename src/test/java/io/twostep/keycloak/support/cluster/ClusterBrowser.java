package io.twostep.keycloak.support.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A raw-HTTP browser in front of the two-node cluster, acting as a load balancer with no stickiness: every request
 * goes to the node the test names, whatever node served the page before. Links point at the public address both
 * nodes are configured with ({@link TwoNodeCluster#PUBLIC_AUTHORITY}); the browser sends each request to the chosen
 * node instead, with one cookie jar (as a real browser behind one host name would). It follows redirects within
 * Keycloak on the same node and stops at a redirect to the client, so a finished login shows as a 302 carrying a
 * {@code code}.
 */
public final class ClusterBrowser {

    /** The client the journeys log in to, from the demo realm. */
    public static final String REDIRECT_URI = "http://localhost:3000/callback";
    public static final String LOGIN_URL = TwoStepClusterUrls.login(REDIRECT_URI);

    private static final Pattern FORM = Pattern.compile("<form[^>]*\\bid=\"([^\"]+)\"[^>]*\\baction=\"([^\"]+)\"");

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final Map<String, String> cookies = new LinkedHashMap<>();
    private final AtomicIntegerArray requestsPerNode;
    private HttpResponse<String> last;

    /** @param requestsPerNode counts requests sent to node A (index 0) and B (index 1), or {@code null} */
    public ClusterBrowser(AtomicIntegerArray requestsPerNode) {
        this.requestsPerNode = requestsPerNode;
    }

    /** Opens a public URL on {@code node}. @return the page's HTML */
    public String open(KeycloakNode node, String url) throws IOException, InterruptedException {
        return send(node, request(node, url).GET());
    }

    /** Opens the demo client's login page on {@code node}, then posts username and password to {@code next}. */
    public String signIn(KeycloakNode first, KeycloakNode next, String username, String password)
            throws IOException, InterruptedException {
        open(first, LOGIN_URL);
        return submit(next, "kc-form-login", Map.of("username", username, "password", password));
    }

    /**
     * Posts the page's form {@code formId} with {@code fields} to {@code node}.
     *
     * @throws IllegalStateException when the page has no such form
     */
    public String submit(KeycloakNode node, String formId, Map<String, String> fields)
            throws IOException, InterruptedException {
        String action = formAction(formId);
        String body = fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(node, request(node, action).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** @return whether the page has a form with this id */
    public boolean hasForm(String formId) {
        return last != null && FORM.matcher(last.body()).results().anyMatch(m -> m.group(1).equals(formId));
    }

    /** @return whether the last answer is the redirect to the client with an authorization code */
    public boolean loggedIn() {
        return last != null && last.statusCode() == 302 && last.headers().firstValue("Location")
                .filter(l -> l.startsWith(REDIRECT_URI) && l.contains("code=")).isPresent();
    }

    /** @return the HTTP status of the last answer */
    public int status() {
        return last.statusCode();
    }

    /** @return the last answer's body */
    public String page() {
        return last.body();
    }

    /** @return the first 600 characters of the last answer, for assertion messages */
    public String describe() {
        if (last == null) {
            return "(no page)";
        }
        String text = last.body().replaceAll("(?s)<head>.*?</head>", "").replaceAll("(?s)<script.*?</script>", "")
                .replaceAll("<[^>]*>", " ").replaceAll("\\s+", " ");
        return "HTTP " + last.statusCode() + " " + last.uri() + " "
                + last.headers().firstValue("Location").orElse("") + " "
                + text.substring(0, Math.min(600, text.length()));
    }

    /**
     * Drops Keycloak's login and SSO session cookies and keeps every other (e.g. a remembered device), as when the
     * user signed out or the session ended: the next login asks for the password again.
     */
    public void forgetLoginSession() {
        cookies.keySet().removeIf(name -> name.startsWith("KEYCLOAK_") || name.startsWith("AUTH_SESSION_ID")
                || name.startsWith("KC_RESTART") || name.startsWith("KC_AUTH_SESSION_HASH"));
    }

    /** @return whether the browser holds a cookie of this name */
    public boolean hasCookie(String name) {
        return cookies.containsKey(name);
    }

    /** @return the cookie names the browser holds */
    public java.util.Set<String> cookieNames() {
        return cookies.keySet();
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
        throw new IllegalStateException("no form " + formId + " on the page: " + describe());
    }

    private HttpRequest.Builder request(KeycloakNode node, String url) {
        URI uri = URI.create(url);
        if (TwoStepClusterUrls.isPublic(uri)) {
            uri = URI.create(url.replaceFirst("//" + Pattern.quote(uri.getRawAuthority()), "//" + node.authority()));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
        if (!cookies.isEmpty()) {
            request.header("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining("; ")));
        }
        if (requestsPerNode != null) {
            requestsPerNode.incrementAndGet(node.name().equals("A") ? 0 : 1);
        }
        return request;
    }

    private String send(KeycloakNode node, HttpRequest.Builder request) throws IOException, InterruptedException {
        receive(request);
        for (int hops = 0; hops < 5 && last.statusCode() / 100 == 3; hops++) {
            URI to = last.uri().resolve(last.headers().firstValue("Location").orElseThrow());
            if (!TwoStepClusterUrls.isPublic(to) && !to.getRawAuthority().equals(node.authority())) {
                break; // to the client: the login is done
            }
            receive(request(node, to.toString()).GET());
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
            if (value.isEmpty() || header.toLowerCase(Locale.ROOT).contains("max-age=0")) {
                cookies.remove(name);
            } else {
                cookies.put(name, value);
            }
        }
    }

    /** URLs of the demo realm at the cluster's public address. */
    static final class TwoStepClusterUrls {
        private TwoStepClusterUrls() {
        }

        static String login(String redirectUri) {
            return TwoNodeCluster.PUBLIC_URL + "/realms/demo/protocol/openid-connect/auth?client_id=demo-app"
                    + "&response_type=code&scope=openid&redirect_uri="
                    + URLEncoder.encode(redirectUri, StandardCharsets.UTF_8);
        }

        static boolean isPublic(URI uri) {
            return TwoNodeCluster.PUBLIC_AUTHORITY.equals(uri.getRawAuthority());
        }
    }
}
