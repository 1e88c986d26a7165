package io.twostep.keycloak.sms.vonage;

import com.vonage.client.HttpConfig;
import com.vonage.client.HttpWrapper;
import com.vonage.client.auth.AuthCollection;
import com.vonage.client.auth.hashutils.HashType;
import io.twostep.keycloak.metrics.TwoStepMetrics;
import io.twostep.keycloak.sms.GatewayGuard;
import io.twostep.keycloak.sms.SmsSender;
import io.twostep.keycloak.sms.SmsSenderFactory;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

import java.io.IOException;
import java.util.List;
import java.util.logging.Level;

/**
 * The {@code vonage} SMS sender (default). Options, as Keycloak SPI config
 * ({@code --spi-sms-sender--vonage--<option>} or {@code KC_SPI_SMS_SENDER__VONAGE__<OPTION>}):
 * {@code api-key}, {@code api-secret} and/or {@code signature-secret}, {@code from} (sender id, default
 * {@code Keycloak}), {@code base-uri} (default Vonage's own), {@code timeout-ms} (default 5000, 100–30000),
 * {@code max-concurrent-sends} (default 16, 1–1000; see {@link GatewayGuard}).
 *
 * <p>One {@link VonageSmsApi} (the SDK's HTTP wrapper with the credentials and one pooled HTTP client) is built at
 * start-up and shared by every session.
 */
public final class VonageSmsSenderFactory implements SmsSenderFactory {

    /** Provider id. */
    public static final String ID = "vonage";
    static final int DEFAULT_TIMEOUT_MS = 5000;
    /** Sends to the gateway at the same time, by default; more fail at once while the gateway hangs. */
    static final int DEFAULT_MAX_CONCURRENT_SENDS = 16;
    /** Consecutive "gateway down" failures that open the circuit breaker. */
    static final int FAILURES_TO_OPEN = 5;
    /** Seconds sends fail at once after the breaker opens, before one trial send (whose answer closes it). */
    static final int OPEN_SECONDS = 30;

    private static final Logger LOG = Logger.getLogger(VonageSmsSenderFactory.class);

    /**
     * Vonage SDK loggers that print request bodies (code and number) or signing input: silenced for good, by level
     * and by a filter that drops every record. The filter holds where the level does not: a log level configured
     * for one of these categories (e.g. {@code --log-level=com.vonage.client.auth.RequestSigning:debug}) is applied
     * by the server after the providers start and would switch the logger back on. Held here so that the JUL
     * loggers, their level and their filter are not garbage-collected.
     */
    private static final List<java.util.logging.Logger> SILENCED_SDK_LOGGERS = List.of(
            java.util.logging.Logger.getLogger("com.vonage.client.auth.RequestSigning"),
            java.util.logging.Logger.getLogger("com.vonage.client.AbstractMethod"),
            java.util.logging.Logger.getLogger("com.vonage.client.DynamicEndpoint"),
            java.util.logging.Logger.getLogger("com.vonage.client.sms"),
            // The SDK's endpoint logs the answer (number, message id) under its own class name.
            java.util.logging.Logger.getLogger(VonageSmsApi.Endpoint.class.getName()));

    private static final java.util.logging.Filter DROP_ALL = record -> false;

    private final HttpStatusRecorder httpStatus = new HttpStatusRecorder();
    private GatewayGuard guard = new GatewayGuard(DEFAULT_MAX_CONCURRENT_SENDS, FAILURES_TO_OPEN, OPEN_SECONDS,
            System::nanoTime);
    private VonageSmsApi api;
    private CloseableHttpClient httpClient;
    private String from;

    @Override
    public SmsSender create(KeycloakSession session) {
        return new VonageSmsSender(api, from, httpStatus, guard);
    }

    @Override
    public void init(Config.Scope config) {
        SILENCED_SDK_LOGGERS.forEach(l -> {
            l.setLevel(Level.OFF);
            l.setFilter(DROP_ALL);
        });
        from = config.get("from", "Keycloak");
        String apiKey = config.get("api-key");
        String apiSecret = config.get("api-secret");
        String signatureSecret = config.get("signature-secret");
        int timeoutMs = clampTimeout(config.getInt("timeout-ms", DEFAULT_TIMEOUT_MS));
        int maxConcurrent = Math.max(1, Math.min(1000,
                config.getInt("max-concurrent-sends", DEFAULT_MAX_CONCURRENT_SENDS)));
        guard = new GatewayGuard(maxConcurrent, FAILURES_TO_OPEN, OPEN_SECONDS, System::nanoTime);
        TwoStepMetrics.gatewayBreaker(guard::isOpen);
        TwoStepMetrics.gatewayRefusalsFromZero(GatewayGuard.BREAKER_OPEN, GatewayGuard.SLOTS_BUSY);
        if (isBlank(apiKey) || (isBlank(apiSecret) && isBlank(signatureSecret))) {
            LOG.info("SMS sender 'vonage' has no api-key and api-secret/signature-secret: sending SMS will fail "
                    + "until they are set");
            return;
        }
        HttpConfig.Builder http = HttpConfig.builder().timeoutMillis(timeoutMs);
        String baseUri = config.get("base-uri");
        if (!isBlank(baseUri)) {
            http.baseUri(baseUri);
        }
        httpClient = httpClient(timeoutMs, maxConcurrent);
        // The credentials as the SDK's VonageClient.Builder sets them up (signatures hashed with MD5, its default).
        AuthCollection credentials = new AuthCollection(null, null, apiKey, isBlank(apiSecret) ? null : apiSecret,
                HashType.MD5, isBlank(signatureSecret) ? null : signatureSecret);
        api = new VonageSmsApi(new HttpWrapper(http.build(), credentials, httpClient));
        LOG.infof("SMS sender 'vonage' ready (timeout %d ms, custom base URI: %s)", timeoutMs, !isBlank(baseUri));
    }

    /**
     * Connect, socket and pool timeouts all at {@code timeoutMs}, so a silent gateway cannot hold a login; TLS and
     * proxy from the JVM's system properties; connections that never write to the HTTP wire log
     * ({@link UnloggedConnectionFactory}); no cookies kept from the gateway. The pool holds a connection for every
     * send slot of the {@link GatewayGuard} (each send, its retry included, uses one connection at a time), so no
     * send the guard lets through ever waits for a connection.
     *
     * @param maxConcurrent the guard's send slots, ≥ 1
     */
    private CloseableHttpClient httpClient(int timeoutMs, int maxConcurrent) {
        RequestConfig timeouts = RequestConfig.custom()
                .setConnectTimeout(timeoutMs)
                .setSocketTimeout(timeoutMs)
                .setConnectionRequestTimeout(timeoutMs)
                .build();
        PoolingHttpClientConnectionManager connections = new PoolingHttpClientConnectionManager(
                RegistryBuilder.<ConnectionSocketFactory>create()
                        .register("http", PlainConnectionSocketFactory.getSocketFactory())
                        .register("https", SSLConnectionSocketFactory.getSystemSocketFactory())
                        .build(),
                UnloggedConnectionFactory.INSTANCE);
        connections.setMaxTotal(maxConcurrent);
        connections.setDefaultMaxPerRoute(maxConcurrent);
        return HttpClientBuilder.create()
                .useSystemProperties()
                .setConnectionManager(connections)
                .disableCookieManagement()
                .setDefaultRequestConfig(timeouts)
                .addInterceptorLast(httpStatus.interceptor())
                .build();
    }

    static int clampTimeout(int timeoutMs) {
        return Math.max(100, Math.min(timeoutMs, 30_000));
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
        if (httpClient != null) {
            try {
                httpClient.close();
            } catch (IOException e) {
                LOG.debug("closing the Vonage HTTP client failed", e);
            }
        }
    }

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public int order() {
        return 1; // the default sender of the SPI
    }

    @Override
    public List<ProviderConfigProperty> getConfigMetadata() {
        return ProviderConfigurationBuilder.create()
                .property().name("api-key").type("string").helpText("Vonage API key").add()
                .property().name("api-secret").type("string").secret(true).helpText("Vonage API secret").add()
                .property().name("signature-secret").type("string").secret(true)
                .helpText("Vonage signature secret (signed requests)").add()
                .property().name("from").type("string").helpText("Sender id shown on the phone").defaultValue("Keycloak").add()
                .property().name("base-uri").type("string").helpText("Vonage API base URI (regional endpoint or test double)").add()
                .property().name("timeout-ms").type("int").helpText("Connect and read timeout in milliseconds")
                .defaultValue(DEFAULT_TIMEOUT_MS).add()
                .property().name("max-concurrent-sends").type("int")
                .helpText("Sends to the gateway at the same time (1-1000); more fail at once while it hangs")
                .defaultValue(DEFAULT_MAX_CONCURRENT_SENDS).add()
                .build();
    }
}
