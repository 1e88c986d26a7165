package io.twostep.keycloak.sms.vonage;

import org.apache.http.config.ConnectionConfig;
import org.apache.http.conn.HttpConnectionFactory;
import org.apache.http.conn.ManagedHttpClientConnection;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.impl.conn.DefaultHttpResponseParserFactory;
import org.apache.http.impl.conn.DefaultManagedHttpClientConnection;
import org.apache.http.impl.io.DefaultHttpRequestWriterFactory;

import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connections to the SMS gateway that never write to Apache HttpClient's wire and header loggers. The library's own
 * factory switches to a logging connection whenever {@code org.apache.http.wire} or {@code org.apache.http.headers}
 * is at DEBUG, and those lines would carry every code, every full number and the {@code Authorization: Basic} API
 * key and secret. An operator who turns on {@code org.apache.http} for another reason must not leak them; this
 * factory always makes the plain connection, whatever the log levels.
 */
final class UnloggedConnectionFactory implements HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> {

    static final UnloggedConnectionFactory INSTANCE = new UnloggedConnectionFactory();

    private static final AtomicLong COUNTER = new AtomicLong();

    private UnloggedConnectionFactory() {
    }

    @Override
    public ManagedHttpClientConnection create(HttpRoute route, ConnectionConfig config) {
        ConnectionConfig settings = config != null ? config : ConnectionConfig.DEFAULT;
        CharsetDecoder decoder = null;
        CharsetEncoder encoder = null;
        if (settings.getCharset() != null) {
            CodingErrorAction malformed = settings.getMalformedInputAction() != null
                    ? settings.getMalformedInputAction() : CodingErrorAction.REPORT;
            CodingErrorAction unmappable = settings.getUnmappableInputAction() != null
                    ? settings.getUnmappableInputAction() : CodingErrorAction.REPORT;
            decoder = settings.getCharset().newDecoder().onMalformedInput(malformed).onUnmappableCharacter(unmappable);
            encoder = settings.getCharset().newEncoder().onMalformedInput(malformed).onUnmappableCharacter(unmappable);
        }
        return new DefaultManagedHttpClientConnection("sms-gateway-" + COUNTER.getAndIncrement(),
                settings.getBufferSize(), settings.getFragmentSizeHint(), decoder, encoder,
                settings.getMessageConstraints(), null, null, DefaultHttpRequestWriterFactory.INSTANCE,
                DefaultHttpResponseParserFactory.INSTANCE);
    }
}
