package io.twostep.keycloak.sms.vonage;

import org.apache.http.HttpResponseInterceptor;

/**
 * Remembers, per thread, the HTTP status of the last Vonage answer. The SDK turns SMS API errors into exceptions
 * that often lose the status, yet 401 (fix the credentials) and 500 (try later) mean different things to users.
 */
final class HttpStatusRecorder {

    private final ThreadLocal<Integer> last = ThreadLocal.withInitial(() -> 0);

    /** @return an interceptor for the Vonage client's HTTP client */
    HttpResponseInterceptor interceptor() {
        return (response, context) -> last.set(response.getStatusLine().getStatusCode());
    }

    void clear() {
        last.set(0);
    }

    /** @return the status of this thread's last answer, 0 when none arrived */
    int last() {
        return last.get();
    }
}
