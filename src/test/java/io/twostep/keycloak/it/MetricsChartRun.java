package io.twostep.keycloak.it;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;
import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.IssuedSecrets;
import io.twostep.keycloak.support.MetricsChart;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TrustedDeviceOfferPage;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Not part of {@code mvn verify} (not a {@code *Test}): a short, fixed mix of SMS logins on the journey server
 * (real Keycloak, the fake Vonage), then the change on {@code /metrics} drawn as an SVG of bar charts. Run it with
 * {@code mvn test-compile surefire:test -Dtest=MetricsChartRun -Dsurefire.failIfNoSpecifiedTests=false}; it writes
 * {@code target/metrics-chart.svg}, or the file {@code -Dtwostep.chart.out} names (the README's chart:
 * {@code -Dtwostep.chart.out=docs/monitoring/metrics-chart.svg}). The figures are what the server counted.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class MetricsChartRun extends AbstractJourneyTest {

    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();

    private int users;

    @Test
    void drawsTheMetricsOfAShortRun() throws Exception {
        String before = SmsMetricsTest.scrape();

        // Logins that end with the code entered, by country; every fourth enters a wrong code first, some wait
        // for a slower gateway.
        long[] gatewayMillis = {0, 0, 40, 0, 90, 0, 180, 0, 350, 700};
        Map<String, Integer> logins = new LinkedHashMap<>();
        logins.put("DE", 12);
        logins.put("GB", 6);
        logins.put("FR", 4);
        logins.put("US", 3);
        int n = 0;
        for (Map.Entry<String, Integer> country : logins.entrySet()) {
            for (String number : numbers(country.getKey(), country.getValue())) {
                long millis = gatewayMillis[n % gatewayMillis.length];
                vonage.behave(millis == 0 ? new FakeVonage.Behaviour.Accept() : new FakeVonage.Behaviour.Slow(millis));
                codeLogin(number, n % 4 == 0, n == 0);
                n++;
            }
        }
        vonage.reset();

        // The same browser again: a remembered device skips the code.
        startOverKeepingCookies();
        passwordStep("chart-user-1");
        assertLoggedIn();

        // SMS pumping: codes sent to one country's numbers, never entered; one account texted until its hourly
        // budget stops it.
        List<String> pumped = numbers("LV", 4);
        for (int i = 0; i < 4; i++) {
            String user = user(pumped.get(i));
            for (int attempt = 0; attempt < (i == 0 ? 11 : 2); attempt++) {
                startOver();
                passwordStep(user);
            }
        }

        // Gateway faults, one send each.
        List<String> faulty = numbers("DE", 5);
        FakeVonage.Behaviour[] faults = {new FakeVonage.Behaviour.Status(1, "Throttled"),
                new FakeVonage.Behaviour.Status(1, "Throttled"), new FakeVonage.Behaviour.Status(6, "Invalid message"),
                new FakeVonage.Behaviour.Status(9, "Partner quota exceeded"), new FakeVonage.Behaviour.Http(500)};
        for (int i = 0; i < faults.length; i++) {
            String user = user(faulty.get(i));
            vonage.behave(faults[i]);
            startOver();
            passwordStep(user);
            vonage.reset();
        }

        MetricsChart chart = new MetricsChart(before, SmsMetricsTest.scrape());
        String realmName = realm.getName();
        java.util.function.Predicate<Map<String, String>> inRealm = l -> realmName.equals(l.get("realm"));
        Map<String, Double> sent = chart.by("twostep_sms_sent_total", "country", inRealm);
        Map<String, Double> verified = chart.by("twostep_sms_codes_total", "country",
                inRealm.and(l -> "accepted".equals(l.get("result"))));
        List<String> countries = new ArrayList<>(sent.keySet());
        List<MetricsChart.Panel> panels = List.of(
                new MetricsChart.Panel("SMS sent vs codes entered correctly, by country",
                        countries.stream().map(c -> "+" + c).toList(), series(
                        "sent", countries.stream().map(c -> sent.getOrDefault(c, 0.0)).toList(),
                        "verified", countries.stream().map(c -> verified.getOrDefault(c, 0.0)).toList())),
                panel("Send failures by reason", chart.by("twostep_sms_send_failed_total", "reason", inRealm)),
                panel("Sends stopped by a limit", chart.by("twostep_sms_limited_total", "limit", inRealm)),
                panel("Gateway answer time (sends)", chart.gatewayTimes(0.025, 0.05, 0.1, 0.25, 0.5)),
                panel("Codes entered, by result", chart.by("twostep_sms_codes_total", "result", inRealm)),
                panel("What the policy did with logins", chart.by("twostep_policy_total", "outcome", inRealm)));
        String svg = MetricsChart.svg("keycloak-two-step: /metrics after a short run",
                "Keycloak 26.7.3, the fake Vonage gateway, MetricsChartRun, " + LocalDate.now()
                        + "; the change of each twostep_* series during the run", panels);
        Path out = Path.of(System.getProperty("twostep.chart.out", "target/metrics-chart.svg"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, svg);
        System.out.println("[metrics-chart] wrote " + out.toAbsolutePath() + "; sent " + sent + ", verified "
                + verified);
        assertTrue(sent.size() >= 5, "sends in five countries: " + sent);
    }

    /** A login with the code: password, (a wrong code,) the code, the offer answered. */
    private void codeLogin(String number, boolean wrongFirst, boolean remember) {
        String user = user(number);
        startOver();
        passwordStep(user);
        codePage.assertCurrent();
        String code = vonage.last(number).code();
        if (wrongFirst) {
            codePage.enterCode(code.equals("999999") ? "888888" : "999999");
        }
        codePage.enterCode(code);
        new TrustedDeviceOfferPage(driver).answer(remember);
        assertLoggedIn();
        if (remember) {
            driver.open(realm.getBaseUrl() + "/protocol/openid-connect/logout"); // a page where they are visible
            keptCookies = driver.cookies().getAll();
        }
    }

    private java.util.Set<org.openqa.selenium.Cookie> keptCookies = java.util.Set.of();

    /** A browser that kept only its remembered-device cookie (the session ended). */
    private void startOverKeepingCookies() {
        startOver();
        keptCookies.stream().filter(c -> c.getName().startsWith(TrustedDeviceJourneyTest.COOKIE_PREFIX))
                .forEach(c -> {
                    IssuedSecrets.text(c.getValue().substring(c.getValue().indexOf('.') + 1));
                    driver.cookies().add(c);
                });
    }

    /** @return a new user with this number bound, named {@code chart-user-N} */
    private String user(String number) {
        String name = "chart-user-" + ++users;
        TestUsers.withBoundNumber(realm.admin(), name, number);
        return name;
    }

    /** @return valid mobile numbers of a region, E.164, recorded for the log scan */
    private static List<String> numbers(String region, int count) {
        Phonenumber.PhoneNumber example =
                PHONES.getExampleNumberForType(region, PhoneNumberUtil.PhoneNumberType.MOBILE);
        List<String> found = new ArrayList<>();
        long national = example.getNationalNumber() + (System.nanoTime() % 5000) * 10;
        for (long candidate = national + 1; found.size() < count && candidate < national + 10_000; candidate += 7) {
            Phonenumber.PhoneNumber number = new Phonenumber.PhoneNumber()
                    .setCountryCode(example.getCountryCode()).setNationalNumber(candidate);
            PhoneNumberUtil.PhoneNumberType type = PHONES.getNumberType(number);
            if (PHONES.isValidNumber(number) && (type == PhoneNumberUtil.PhoneNumberType.MOBILE
                    || type == PhoneNumberUtil.PhoneNumberType.FIXED_LINE_OR_MOBILE)) { // the US tells neither
                String e164 = PHONES.format(number, PhoneNumberUtil.PhoneNumberFormat.E164);
                IssuedSecrets.number(e164);
                found.add(e164);
            }
        }
        assertTrue(found.size() == count, "valid mobile numbers for " + region + ": " + found);
        return found;
    }

    private static Map<String, List<Double>> series(String a, List<Double> av, String b, List<Double> bv) {
        Map<String, List<Double>> series = new LinkedHashMap<>();
        series.put(a, av);
        series.put(b, bv);
        return series;
    }

    private static MetricsChart.Panel panel(String title, Map<String, Double> values) {
        return new MetricsChart.Panel(title, new ArrayList<>(values.keySet()),
                Map.of("count", new ArrayList<>(values.values())));
    }
}
