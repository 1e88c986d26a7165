package io.twostep.keycloak.it;

import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With {@code --metrics-enabled=true}, our meters are on Keycloak's management endpoint {@code /metrics} (port
 * 9000) next to Keycloak's own, and count what a journey did; their labels carry no user id, number or address.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class SmsMetricsTest extends AbstractJourneyTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String METRICS = "http://localhost:9000/metrics";

    @Test
    void sendsCodesAndGatewayTimesAreCounted() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "metrics-user", number);
        String before = scrape();

        passwordStep("metrics-user");
        codePage.assertCurrent();
        String code = vonage.last(number).code();
        codePage.enterCode(code.equals("999999") ? "888888" : "999999");
        codePage.enterCode(code);
        declineDeviceOffer();
        assertLoggedIn();

        vonage.behave(new FakeVonage.Behaviour.Status(9, "Partner quota exceeded"));
        startOver();
        passwordStep("metrics-user");
        vonage.reset();

        String after = scrape();
        String realmLabel = "realm=\"" + realm.getName() + "\"";
        assertEquals(1, delta(before, after, "twostep_sms_sent_total", "country=\"49\"", realmLabel));
        assertEquals(1, delta(before, after, "twostep_sms_send_failed_total", "country=\"49\"", realmLabel,
                "reason=\"configuration\""));
        assertEquals(1, delta(before, after, "twostep_sms_codes_total", "purpose=\"login\"", realmLabel,
                "result=\"wrong\""));
        assertEquals(1, delta(before, after, "twostep_sms_codes_total", "purpose=\"login\"", realmLabel,
                "result=\"accepted\""));
        assertEquals(1, delta(before, after, "twostep_sms_gateway_seconds_count", "outcome=\"accepted\""));
        assertTrue(after.contains("twostep_sms_gateway_seconds_bucket{"), "the gateway time is a histogram");
        assertTrue(after.contains("keycloak_") || after.contains("jvm_"), "Keycloak's own meters are beside ours");

        String userId = TestUsers.id(realm.admin(), "metrics-user");
        for (String line : after.lines().filter(l -> l.startsWith("twostep_")).toList()) {
            assertFalse(line.contains(userId) || line.contains(number.substring(1)) || line.contains("127.0.0.1"),
                    "a label with personal data: " + line);
        }
    }

    private static String scrape() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(METRICS)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "the management endpoint answers");
        return response.body();
    }

    /** @return the change of the one series named {@code name} whose labels contain every given label */
    private static long delta(String before, String after, String name, String... labels) {
        return Math.round(value(after, name, labels) - value(before, name, labels));
    }

    private static double value(String scrape, String name, String... labels) {
        double total = 0;
        Matcher line = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(scrape);
        while (line.find()) {
            boolean all = true;
            for (String label : labels) {
                all &= line.group(1).contains(label);
            }
            if (all) {
                total += Double.parseDouble(line.group(2));
            }
        }
        return total;
    }
}
