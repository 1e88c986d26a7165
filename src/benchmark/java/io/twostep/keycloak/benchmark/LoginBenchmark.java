package io.twostep.keycloak.benchmark;

import io.gatling.app.Gatling$;
import io.twostep.keycloak.support.FreshRealmId;
import io.twostep.keycloak.support.IssuedSecrets;
import io.twostep.keycloak.support.TestUsers;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.PartialImportRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The login load benchmark ({@code mvn -Pbenchmark verify}, never part of {@code mvn verify}): one Keycloak with
 * the demo realm and the fake gateway, accounts of each kind, then Gatling's {@link LoginSimulation} and
 * {@link GatewayOutageSimulation} in this JVM (so that the SMS logins can read their codes from the fake gateway),
 * then the table. Gatling's HTML reports go to {@code target/gatling/}, the table to standard output and
 * {@code target/benchmark/summary.md}. With {@code -Dbenchmark.profile=true}, TOTP and SMS logins are also profiled
 * with async-profiler on the server, and {@code target/benchmark/profile-*.txt} say where their CPU time went.
 *
 * <p>Fails only when logins that must work did not (password, TOTP, remembered device, SMS with the gateway up), or
 * when the outage run let anything but SMS sends fail, or a send waited for the gateway longer than the timeout (as
 * the server's histogram of its gateway calls tells it), or a failed send left the user without the message or kept
 * them longer than the timeout plus the slowest TOTP login of the same waves. Figures are printed with their goals,
 * not asserted: they depend on the machine.
 */
@KeycloakIntegrationTest(config = BenchmarkServerConfig.class)
class LoginBenchmark {

    /** The sender's timeout on the benchmark server: the production default. */
    static final long SENDER_TIMEOUT_MS = 5000;

    @InjectRealm(fromJson = "/realm-export.json", config = FreshRealmId.class)
    ManagedRealm realm;

    @Test
    void loginsSideBySide() throws Exception {
        Bench.serverUrl = realm.getBaseUrl().substring(0, realm.getBaseUrl().indexOf("/realms/"));
        Bench.realmName = realm.getName();
        Bench.rounds = Integer.getInteger("twostep.benchmark.rounds", 600);
        Bench.sliceSeconds = Integer.getInteger("twostep.benchmark.sliceSeconds", 8);
        Bench.passes = Integer.getInteger("twostep.benchmark.passes", 6);
        Bench.warmUpSeconds = Integer.getInteger("twostep.benchmark.warmUpSeconds", 480);

        Bench.POOLS.put(Kind.PASSWORD, new UserPool(seed("bench-pw-", 40, i -> null, false), false));
        Bench.POOLS.put(Kind.TOTP, new UserPool(seed("bench-totp-", 700, i -> null, true), true));
        List<BenchUser> sms = seed("bench-sms-", smsAccounts(), i -> number(1, i), false);
        Bench.POOLS.put(Kind.SMS, new UserPool(sms, false));
        Bench.POOLS.put(Kind.DEVICE, new UserPool(seed("bench-dev-", 40, i -> number(2, i), false), false));
        Bench.slowSms = new UserPool(sms.stream()
                .filter(u -> Integer.parseInt(u.username().substring("bench-sms-".length())) % 4 == 0).toList(), false);

        KeycloakProcess keycloak = KeycloakProcess.find();
        Bench.recorder = new Recorder(keycloak);
        Bench.removeSessions = () -> {
            int before = activeSessions();
            realm.admin().logoutAll();
            Bench.recorder.sessionsRemoved(before, activeSessions());
            Bench.recorder.settle();
        };
        Path results = Path.of(System.getProperty("twostep.benchmark.results", "target/gatling")).toAbsolutePath();
        Path benchmarkDir = Path.of("target", "benchmark").toAbsolutePath();
        Bench.profiler = Boolean.getBoolean("twostep.benchmark.profile") ? new Profiler(keycloak, benchmarkDir) : null;
        String load = Files.readString(Path.of("/proc/loadavg")).trim();

        gatling(LoginSimulation.class, results);
        gatling(GatewayOutageSimulation.class, results);

        Report report = new Report(Bench.recorder);
        String summary = report.render(String.format("Login benchmark, %s, Keycloak 26.7.3 (pid %d) on %s, load "
                        + "average before the run %s, server JVM options %s", LocalDateTime.now().format(
                                DateTimeFormatter.ISO_LOCAL_DATE_TIME), keycloak.pid(),
                        BenchmarkServerConfig.onPostgres() ? "PostgreSQL (its own processes, fsync off)"
                                : "H2 (in memory, inside the server's JVM)", load, keycloak.jvmOptions()))
                + "\n" + report.renderOutage(SENDER_TIMEOUT_MS)
                + "\nLoad average after the run: " + Files.readString(Path.of("/proc/loadavg")).trim() + "\n"
                + "Gatling's HTML reports: " + results + "\n";
        if (Bench.profiler != null) {
            String totpSeries = LoginSimulation.PROFILE + "totp";
            String smsSeries = LoginSimulation.PROFILE + "sms";
            int totpLogins = Bench.recorder.finished(totpSeries, Kind.TOTP);
            int smsLogins = Bench.recorder.finished(smsSeries, Kind.SMS);
            String comparison = "";
            for (String jvm : List.of("", "-generator")) {
                comparison += (jvm.isEmpty() ? ""
                        : "\n\nThe load generator (this JVM: Gatling and the fake gateway)\n\n") + Profiler.compare(benchmarkDir.resolve(totpSeries + jvm + ".collapsed"), Kind.TOTP.label,
                        totpLogins, benchmarkDir.resolve(smsSeries + jvm + ".collapsed"), Kind.SMS.label, smsLogins);
            }
            for (Kind kind : List.of(Kind.TOTP, Kind.SMS)) {
                String series = kind == Kind.TOTP ? totpSeries : smsSeries;
                int logins = kind == Kind.TOTP ? totpLogins : smsLogins;
                String profile = Profiler.summarise(benchmarkDir.resolve(series + ".collapsed"), kind.label, logins);
                Files.writeString(benchmarkDir.resolve(series + ".txt"), profile);
                summary += "\nProfile (" + benchmarkDir.resolve(series + ".txt") + "):\n"
                        + profile.lines().limit(25).collect(java.util.stream.Collectors.joining("\n")) + "\n";
                comparison += "\n\nThe server's JIT compiler\n\n"
                        + Profiler.compilations(benchmarkDir.resolve(series + "-jit.jfr"), series, logins);
            }
            Files.writeString(benchmarkDir.resolve("profile-comparison.txt"), comparison);
            summary += "\nProfiles compared (" + benchmarkDir.resolve("profile-comparison.txt") + "):\n"
                    + comparison.lines().limit(40).collect(java.util.stream.Collectors.joining("\n")) + "\n";
        }
        System.out.println(summary);
        Files.createDirectories(benchmarkDir);
        Files.writeString(benchmarkDir.resolve("summary.md"), summary);

        Recorder r = Bench.recorder;
        for (String series : List.of(LoginSimulation.ONE_USER, LoginSimulation.TWENTY_USERS, LoginSimulation.MIXED)) {
            for (Kind kind : Kind.values()) {
                assertEquals(0, r.failed(series, kind), kind.label + " logins failed in " + series);
                assertTrue(r.finished(series, kind) > 0, "no " + kind.label + " login finished in " + series);
            }
        }
        assertFalse(Bench.breakerLeftOpen, "the gateway's breaker was still open after "
                + GatewayOutageSimulation.BREAKER_WAIT_SECONDS + " s of SMS logins with the gateway up");
        String up = GatewayOutageSimulation.HEALTHY;
        String down = GatewayOutageSimulation.OUTAGE;
        int users = GatewayOutageSimulation.WAVES * GatewayOutageSimulation.USERS_PER_KIND;
        assertEquals(users, r.finished(up, Kind.TOTP), "every TOTP login with the gateway up");
        assertEquals(users, r.finished(up, Kind.SMS), "every SMS login with the gateway up");
        assertEquals(users, r.finished(down, Kind.TOTP), "every TOTP login during the outage");
        assertEquals(0, r.failed(down, Kind.TOTP) + r.failed(down, Kind.SMS), "nothing but SMS sends may fail");
        assertEquals(users, r.sendFailures(down).size(), "every SMS login during the outage ends with the message");
        // Each send within the timeout, as the server measured its calls to the gateway.
        ServerMetrics.FailedCalls calls = r.failedCalls(down);
        assertTrue(calls != null && calls.all() > 0, "no send of the outage reached the hanging gateway");
        assertEquals(calls.all(), calls.within(), "gateway calls of the outage that took longer than "
                + calls.boundSeconds() + " s (the timeout is " + SENDER_TIMEOUT_MS + " ms)");
        // And what users saw: the send adds no more than the timeout to what a login takes under the same load (the
        // password's check of 40 logins at once queues for the cores, more so on a slower machine).
        long slowestTotp = r.logins(down, Kind.TOTP).stream().mapToLong(Recorder.Login::nanos).max().orElse(0);
        for (Recorder.SendFailure failure : r.sendFailures(down)) {
            assertTrue(failure.nanos() < SENDER_TIMEOUT_MS * 1_000_000L + slowestTotp, "a failed send took "
                    + failure.nanos() / 1_000_000 + " ms, more than the timeout and the slowest TOTP login of the "
                    + "outage (" + slowestTotp / 1_000_000 + " ms)");
        }
    }

    /**
     * @return enough SMS accounts that none gets more than 5 SMS over the run (the default budget is 10 an hour per
     *         account and per number): at most about 12 SMS a second in the warm-up, one a round at one user, about
     *         40 a second in the SMS stretches at 20 users, and some 1,500 in the mixed and outage runs
     */
    private static int smsAccounts() {
        long sms = 12L * Bench.warmUpSeconds + Bench.rounds + 40L * Bench.sliceSeconds * Bench.passes + 1500;
        return (int) Math.max(500, (sms + 4) / 5);
    }

    /** @return the realm's active user sessions, summed over its clients, as the admin API counts them */
    private int activeSessions() {
        return realm.admin().getClientSessionStats().stream()
                .mapToInt(stats -> Integer.parseInt(stats.getOrDefault("active", "0"))).sum();
    }

    /** Runs one simulation in this JVM; its report goes under {@code results}. */
    private static void gatling(Class<?> simulation, Path results) {
        // No call leaves this machine: no usage analytics, no HTTP warm-up against a public site.
        System.setProperty("gatling.data.enableAnalytics", "false");
        System.setProperty("gatling.http.warmUpUrl", "");
        System.setProperty("gatling.charting.useGroupDurationMetric", "true");
        int status = Gatling$.MODULE$.fromArgs(new String[]{"--simulation", simulation.getName(),
                "--results-folder", results.toString(), "--run-description", "keycloak-two-step login benchmark",
                "--launcher", "maven"});
        System.out.println("Gatling " + simulation.getSimpleName() + " ended with status " + status);
    }

    /**
     * Creates accounts {@code prefix0}, {@code prefix1}, … with the test password, through partial imports of 100.
     *
     * @param number the bound SMS number of account {@code i}, or {@code null} for none
     * @param totp   whether each account has an authenticator app (TOTP)
     */
    private List<BenchUser> seed(String prefix, int count, IntFunction<String> number, boolean totp) {
        List<BenchUser> users = new ArrayList<>();
        List<UserRepresentation> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String e164 = number.apply(i);
            BenchUser user = new BenchUser(prefix + i, e164);
            users.add(user);
            batch.add(representation(user, totp));
            if (batch.size() == 100 || i == count - 1) {
                PartialImportRepresentation rep = new PartialImportRepresentation();
                rep.setIfResourceExists(PartialImportRepresentation.Policy.FAIL.name());
                rep.setUsers(batch);
                realm.admin().partialImport(rep).close();
                batch = new ArrayList<>();
            }
        }
        IssuedSecrets.numbers(users.stream().map(BenchUser::number).filter(n -> n != null).toList());
        return users;
    }

    /** @return a German mobile number of the benchmark, distinct per {@code group} and {@code i} */
    private static String number(int group, int i) {
        return String.format("+49152%d%07d", group, i);
    }

    private static UserRepresentation representation(BenchUser benchUser, boolean totp) {
        UserRepresentation user = new UserRepresentation();
        user.setUsername(benchUser.username());
        user.setEnabled(true);
        user.setEmail(benchUser.username() + "@example.org");
        user.setEmailVerified(true);
        user.setFirstName("Bench");
        user.setLastName(benchUser.username());
        user.setRealmRoles(List.of("default-roles-demo"));
        List<CredentialRepresentation> credentials = new ArrayList<>();
        CredentialRepresentation password = new CredentialRepresentation();
        password.setType(CredentialRepresentation.PASSWORD);
        password.setValue(TestUsers.PASSWORD);
        password.setTemporary(false);
        credentials.add(password);
        if (benchUser.number() != null) {
            user.setAttributes(Map.of("phoneNumber", List.of(benchUser.number()),
                    "phoneNumberVerified", List.of("true")));
            CredentialRepresentation sms = new CredentialRepresentation();
            sms.setType("sms-otp");
            sms.setUserLabel("benchmark");
            sms.setSecretData("{}");
            sms.setCredentialData("{\"phoneNumber\":\"" + benchUser.number() + "\"}");
            credentials.add(sms);
        }
        if (totp) {
            CredentialRepresentation app = new CredentialRepresentation();
            app.setType("otp");
            app.setUserLabel("phone app");
            app.setSecretData("{\"value\":\"" + TestUsers.TOTP_SECRET + "\"}");
            app.setCredentialData("{\"subType\":\"totp\",\"digits\":6,\"period\":30,\"algorithm\":\"HmacSHA1\","
                    + "\"counter\":0}");
            credentials.add(app);
        }
        user.setCredentials(credentials);
        return user;
    }
}
