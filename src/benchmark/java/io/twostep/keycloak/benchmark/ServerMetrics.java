package io.twostep.keycloak.benchmark;

import io.twostep.keycloak.sms.GatewayGuard;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the benchmark reads from the server's {@code /metrics} (management port): the SMS gateway's circuit breaker
 * ({@code twostep_sms_gateway_breaker_open}), so that a stage can wait until it is closed again before it measures
 * SMS logins, and the time the server waited for the gateway ({@code twostep_sms_gateway_seconds}), so that the
 * report can say how much of an SMS login's time was the gateway's, and the sends the gateway guard failed at once
 * by cause ({@code twostep_sms_gateway_refused_total}).
 */
final class ServerMetrics {

    /** The sum and count of the gateway's accepted answers, in seconds, so far. */
    record GatewayTime(double seconds, long answers) {
        /** @return the mean answer time between {@code before} and this reading, in milliseconds; NaN for none */
        double meanMillisSince(GatewayTime before) {
            long n = answers - before.answers;
            return n == 0 ? Double.NaN : (seconds - before.seconds) * 1000 / n;
        }
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern BREAKER =
            Pattern.compile("(?m)^twostep_sms_gateway_breaker_open(?:\\{[^}]*\\})? (\\S+)$");
    private static final Pattern GATEWAY_SUM =
            Pattern.compile("(?m)^twostep_sms_gateway_seconds_sum\\{[^}]*outcome=\"accepted\"[^}]*\\} (\\S+)$");
    private static final Pattern GATEWAY_COUNT =
            Pattern.compile("(?m)^twostep_sms_gateway_seconds_count\\{[^}]*outcome=\"accepted\"[^}]*\\} (\\S+)$");
    private static final Pattern FAILED_BUCKET =
            Pattern.compile("(?m)^twostep_sms_gateway_seconds_bucket\\{([^}]*)\\} (\\S+)$");
    private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");
    private static final Pattern REFUSED_BREAKER_OPEN = refusedSeries(GatewayGuard.BREAKER_OPEN);
    private static final Pattern REFUSED_SLOTS_BUSY = refusedSeries(GatewayGuard.SLOTS_BUSY);

    private ServerMetrics() {
    }

    /** Sends the gateway guard failed at once so far, by cause. */
    record Refused(long breakerOpen, long slotsBusy) {
        /** @return the refusals between {@code before} and this reading */
        Refused since(Refused before) {
            return new Refused(breakerOpen - before.breakerOpen, slotsBusy - before.slotsBusy);
        }
    }

    /**
     * @return the guard's refusals so far (the sender registers both causes at zero when it starts)
     * @throws IllegalStateException when the management endpoint does not answer or lacks a cause's series
     */
    static Refused refused() {
        String metrics = scrape();
        return new Refused((long) value(metrics, REFUSED_BREAKER_OPEN, "twostep_sms_gateway_refused_total"),
                (long) value(metrics, REFUSED_SLOTS_BUSY, "twostep_sms_gateway_refused_total"));
    }

    private static Pattern refusedSeries(String cause) {
        return Pattern.compile("(?m)^twostep_sms_gateway_refused_total\\{[^}]*cause=\"" + cause
                + "\"[^}]*\\} (\\S+)$");
    }

    /**
     * The gateway calls that failed so far, from {@code twostep_sms_gateway_seconds{outcome="failed"}}: all of them,
     * and those that took at most {@code boundSeconds} (a bucket of the histogram).
     */
    record FailedCalls(long all, long within, double boundSeconds) {
        /** @return the calls between {@code before} and this reading */
        FailedCalls since(FailedCalls before) {
            return new FailedCalls(all - before.all, within - before.within, boundSeconds);
        }
    }

    /**
     * @param atLeastSeconds the least bound wanted: the histogram's smallest bucket at or above it is read
     * @return the failed gateway calls so far; zero before the first
     * @throws IllegalStateException when the management endpoint does not answer, or the histogram has no such bucket
     */
    static FailedCalls failedCalls(double atLeastSeconds) {
        Matcher bucket = FAILED_BUCKET.matcher(scrape());
        java.util.TreeMap<Double, Long> byBound = new java.util.TreeMap<>(); // summed over every failed series
        while (bucket.find()) {
            Matcher le = LE.matcher(bucket.group(1));
            if (bucket.group(1).contains("outcome=\"failed\"") && le.find()) {
                double upper = le.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le.group(1));
                byBound.merge(upper, (long) Double.parseDouble(bucket.group(2)), Long::sum);
            }
        }
        if (byBound.isEmpty()) {
            return new FailedCalls(0, 0, atLeastSeconds);
        }
        Double bound = byBound.ceilingKey(atLeastSeconds);
        if (bound == null || bound.isInfinite()) {
            throw new IllegalStateException("no bucket of twostep_sms_gateway_seconds at or above " + atLeastSeconds
                    + " s");
        }
        return new FailedCalls(byBound.getOrDefault(Double.POSITIVE_INFINITY, 0L), byBound.get(bound), bound);
    }

    /**
     * @return whether the gateway's circuit breaker is open now
     * @throws IllegalStateException when the management endpoint does not answer or lacks the gauge
     */
    static boolean breakerOpen() {
        return value(scrape(), BREAKER, "twostep_sms_gateway_breaker_open") > 0;
    }

    /**
     * @return the gateway's accepted answers so far; zero before the first SMS
     * @throws IllegalStateException when the management endpoint does not answer
     */
    static GatewayTime gatewayTime() {
        String metrics = scrape();
        if (!GATEWAY_COUNT.matcher(metrics).find()) {
            return new GatewayTime(0, 0);
        }
        return new GatewayTime(value(metrics, GATEWAY_SUM, "twostep_sms_gateway_seconds_sum"),
                (long) value(metrics, GATEWAY_COUNT, "twostep_sms_gateway_seconds_count"));
    }

    private static double value(String metrics, Pattern series, String name) {
        Matcher matcher = series.matcher(metrics);
        if (!matcher.find()) {
            throw new IllegalStateException("no " + name + " on /metrics");
        }
        return Double.parseDouble(matcher.group(1));
    }

    private static String scrape() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(Bench.managementUrl + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new IllegalStateException("the management endpoint did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
