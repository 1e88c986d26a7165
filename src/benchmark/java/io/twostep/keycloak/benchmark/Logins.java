package io.twostep.keycloak.benchmark;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.TestUsers;
import org.keycloak.models.utils.TimeBasedOTP;

import java.util.Calendar;
import java.util.List;
import java.util.Optional;
import java.util.TimeZone;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.css;
import static io.gatling.javaapi.core.CoreDsl.doIf;
import static io.gatling.javaapi.core.CoreDsl.doIfOrElse;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.exitBlockOnFail;
import static io.gatling.javaapi.core.CoreDsl.group;
import static io.gatling.javaapi.core.CoreDsl.substring;
import static io.gatling.javaapi.http.HttpDsl.Cookie;
import static io.gatling.javaapi.http.HttpDsl.addCookie;
import static io.gatling.javaapi.http.HttpDsl.flushCookieJar;
import static io.gatling.javaapi.http.HttpDsl.headerRegex;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * One login of each kind as a browser makes it, in Gatling's Java DSL: the login page, the password form, the second
 * step's form, and "Remember this device?" (declined; ticked once per account of the remembered-device kind to set
 * it up), until the 302 that carries the authorization code to the client. Each login starts with an empty cookie
 * jar, as a new browser would (the remembered-device kind brings only its device cookie), so no login rides on the
 * SSO session of the one before.
 */
final class Logins {

    /** The session attribute with the number of the 1-user round a login belongs to. */
    static final String ROUND = "round";

    /** What users see when the SMS could not be sent. */
    static final String TRY_LATER = "We could not send the text message just now. Please try again in a few minutes.";

    private Logins() {
    }

    /**
     * The source address of the warm-up's logins. Every SMS takes a slot of the per-address budget (at most 10,000
     * an hour), and a long warm-up sends thousands: from an address of its own, they leave the measured stages'
     * budget (127.0.0.1) alone. Linux routes all of 127.0.0.0/8 to the loopback interface.
     */
    static final String WARM_UP_ADDRESS = "127.0.0.2";

    /** @return HTTP as a browser on this machine speaks it to the benchmark server; nothing else is contacted */
    static HttpProtocolBuilder protocol() {
        return http.baseUrl(Bench.serverUrl)
                .disableWarmUp()            // its default warm-up would call a public site
                .disableFollowRedirect()    // a finished login is the 302 to the client, checked as such
                .disableCaching()
                .acceptHeader("text/html")
                .userAgentHeader("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0 two-step-benchmark");
    }

    /**
     * @param kind         which login
     * @param series       the recorder's name for this part of the run
     * @param cpuPerLogin  whether to read the server's CPU time around the login (only meaningful with one user)
     * @return the chain of one login; a failed login is counted and does not end the virtual user
     */
    static ChainBuilder login(Kind kind, String series, boolean cpuPerLogin) {
        ChainBuilder steps = exec(flushCookieJar())
                .exec(session -> begin(session, kind, cpuPerLogin));
        if (kind == Kind.DEVICE) {
            steps = steps.exec(addCookie(Cookie("#{deviceName}", "#{deviceValue}").withDomain("localhost")
                    .withPath("/realms/" + Bench.realmName + "/")));
        }
        steps = steps.exec(http(kind.label + ": login page").get(Bench.authPath())
                        .check(status().is(200), css("#kc-form-login", "action").saveAs("action")))
                .exec(session -> session.set("t1", System.nanoTime()))
                .exec(http(kind.label + ": password").post("#{action}")
                        .formParam("username", "#{username}")
                        .formParam("password", TestUsers.PASSWORD)
                        .check(afterPassword(kind)));
        steps = switch (kind) {
            case PASSWORD, DEVICE -> steps.exec(session -> end(session, series, kind));
            case TOTP -> steps
                    .exec(session -> session.set("otp", totp(session.getLong("codeTime"))))
                    .exec(http(kind.label + ": code").post("#{action}").formParam("otp", "#{otp}")
                            .check(status().is(200), css("#kc-trusted-device-offer-form", "action").saveAs("action")))
                    .exec(offer(kind, false))
                    .exec(session -> end(session, series, kind));
            case SMS -> steps.exec(doIfOrElse(session -> session.getInt("tryLater") > 0)
                    .then(exec(session -> sendFailed(session, series)))
                    .orElse(exec(session -> session.set("code", FakeVonage.instance()
                                    .last(session.getString("number")).code()))
                            .exec(http(kind.label + ": code").post("#{action}").formParam("code", "#{code}")
                                    .check(status().is(200),
                                            css("#kc-trusted-device-offer-form", "action").saveAs("action")))
                            .exec(offer(kind, false))
                            .exec(session -> end(session, series, kind))));
        };
        return exec(group(kind.label).on(exitBlockOnFail().on(steps)))
                .exec(doIf(Session::isFailed).then(exec(session -> {
                    Bench.recorder.failure(series, kind);
                    return session.markAsSucceeded();
                })));
    }

    /**
     * An SMS login that remembers the device, to set up an account of the remembered-device kind: its cookie is
     * kept in the pool.
     */
    static ChainBuilder rememberDevice() {
        return exec(flushCookieJar())
                .exec(session -> {
                    BenchUser user = Bench.pool(Kind.DEVICE).next().user();
                    return session.set("username", user.username()).set("number", user.number());
                })
                .exec(http("set-up: login page").get(Bench.authPath())
                        .check(status().is(200), css("#kc-form-login", "action").saveAs("action")))
                .exec(http("set-up: password").post("#{action}")
                        .formParam("username", "#{username}").formParam("password", TestUsers.PASSWORD)
                        .check(status().is(200), css("#kc-sms-otp-form", "action").saveAs("action")))
                .exec(session -> session.set("code", FakeVonage.instance().last(session.getString("number")).code()))
                .exec(http("set-up: code").post("#{action}").formParam("code", "#{code}")
                        .check(status().is(200), css("#kc-trusted-device-offer-form", "action").saveAs("action")))
                .exec(http("set-up: remember").post("#{action}").formParam("rememberDevice", "on")
                        .check(status().is(302), headerRegex("Location", "[?&]code=").exists(),
                                headerRegex("Set-Cookie", "(KC_TWO_STEP_DEVICE_[^=]+)=([^;]+)")
                                        .captureGroups(2).saveAs("device")))
                .exec(session -> {
                    List<String> cookie = session.getList("device");
                    Bench.pool(Kind.DEVICE).rememberDevice(session.getString("username"), cookie.get(0), cookie.get(1));
                    return session;
                });
    }

    private static CheckBuilder[] afterPassword(Kind kind) {
        return switch (kind) {
            case PASSWORD, DEVICE -> new CheckBuilder[]{status().is(302), headerRegex("Location", "[?&]code=").exists()};
            case TOTP -> new CheckBuilder[]{status().is(200), css("#kc-otp-login-form", "action").saveAs("action")};
            case SMS -> new CheckBuilder[]{status().is(200), css("#kc-sms-otp-form", "action").saveAs("action"),
                    substring(TRY_LATER).count().saveAs("tryLater")};
        };
    }

    private static ChainBuilder offer(Kind kind, boolean remember) {
        return exec(http(kind.label + ": remember this device?").post("#{action}")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(StringBody(remember ? "rememberDevice=on" : ""))
                .check(status().is(302), headerRegex("Location", "[?&]code=").exists()));
    }

    /** @return the authenticator app's code for the time step of {@code epochMillis} */
    private static String totp(long epochMillis) {
        TimeBasedOTP totp = new TimeBasedOTP();
        Calendar time = Calendar.getInstance(TimeZone.getTimeZone("UTC"));
        time.setTimeInMillis(epochMillis);
        totp.setCalendar(time);
        return totp.generateTOTP(TestUsers.TOTP_SECRET);
    }

    private static Session begin(Session session, Kind kind, boolean cpuPerLogin) {
        UserPool.Lease lease = Bench.pool(kind).next();
        BenchUser user = lease.user();
        // The CPU reading first: it lists every server thread, which should not count in the login's time.
        Optional<KeycloakProcess.Reading> cpu0 = cpuPerLogin ? Optional.of(Bench.recorder.cpu()) : Optional.empty();
        double database0 = cpuPerLogin ? Bench.recorder.databaseCpu() : Double.NaN;
        Session next = session.set("username", user.username())
                .set("codeTime", lease.codeTime())
                .set("number", user.number() == null ? "" : user.number())
                .set("cpu0", cpu0)
                .set("database0", database0)
                .set("t0", System.nanoTime());
        if (kind == Kind.DEVICE) {
            String[] cookie = Bench.pool(kind).deviceCookie(user.username());
            next = next.set("deviceName", cookie[0]).set("deviceValue", cookie[1]);
        }
        return next;
    }

    private static Session end(Session session, String series, Kind kind) {
        long nanos = System.nanoTime() - session.getLong("t0");
        Optional<KeycloakProcess.Reading> cpu0 = session.get("cpu0");
        double database0 = session.getDouble("database0");
        Bench.recorder.login(series, kind, session.contains(ROUND) ? session.getInt(ROUND) : -1, nanos,
                cpu0.map(before -> Bench.recorder.cpu().since(before)).orElse(null),
                Double.isNaN(database0) ? Double.NaN : Bench.recorder.databaseCpu() - database0);
        return session;
    }

    /** Records the time from the password's post, which sends the SMS, to the page with the message. */
    private static Session sendFailed(Session session, String series) {
        Bench.recorder.sendFailure(series, System.nanoTime() - session.getLong("t1"), true);
        return session;
    }
}
