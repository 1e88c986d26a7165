package io.twostep.keycloak.it;

import io.twostep.keycloak.support.HourPin;
import io.twostep.keycloak.support.RawBrowser;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.remote.timeoffset.InjectTimeOffSet;
import org.keycloak.testframework.remote.timeoffset.TimeOffSet;
import org.openqa.selenium.htmlunit.HtmlUnitDriver;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-address SMS budget on a server that does not trust {@code X-Forwarded-For} (the journey server has no
 * {@code proxy-headers} option): a client that claims another address in every request still spends the budget of
 * its real address, 127.0.0.1. The budget counts per realm, and this class has a realm of its own, so spending it
 * here leaves every other journey's budget alone.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class SpoofedForwardedForTest extends AbstractJourneyTest {

    private static final String LIMIT_MESSAGE_START =
            "Too many text messages have been sent. You can ask for a new code in ";
    /** Logins per user, below the per-user and per-number budgets (10 an hour each), so only the address's runs out. */
    private static final int LOGINS_PER_USER = 8;
    /** Logins beyond the address's budget in the parallel run. */
    private static final int EXTRA = 6;
    private static final int THREADS = 6;

    @InjectTimeOffSet
    TimeOffSet timeOffSet;

    @Test
    void aForgedForwardedForGetsNoFreshAddressBudget() throws Exception {
        HourPin.pin(timeOffSet); // the budget is hourly: all of this must fall within one clock hour
        // Cheap password hashes for this realm's many logins; the SMS step is what is counted.
        realm.updateWithCleanup(r -> r.passwordPolicy("hashIterations(1)"));
        int logins = TwoStepServerConfig.PER_IP_PER_HOUR + EXTRA;
        int users = (logins + LOGINS_PER_USER - 1) / LOGINS_PER_USER;
        List<String> numbers = new ArrayList<>();
        for (int u = 0; u < users; u++) {
            String number = TestUsers.newNumber();
            TestUsers.withBoundNumber(realm.admin(), "spoof-" + u, number);
            numbers.add(number);
        }

        // Every login claims an address of its own in X-Forwarded-For, logins running in parallel.
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<String> pages = new ArrayList<>();
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < logins; i++) {
                String username = "spoof-" + (i % users);
                String claimed = "198.18." + (i / 250) + "." + (i % 250 + 1);
                answers.add(pool.submit(() -> new RawBrowser(claimed)
                        .signIn(oauth.loginForm().build(), username, TestUsers.PASSWORD)));
            }
            for (Future<String> answer : answers) {
                pages.add(answer.get(120, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        System.out.printf("[spoofed X-Forwarded-For] %d logins from 127.0.0.1 in %d s%n", logins, seconds);
        long refused = pages.stream().filter(p -> p.contains(LIMIT_MESSAGE_START)).count();
        assertEquals(TwoStepServerConfig.PER_IP_PER_HOUR, sentTo(numbers),
                "the address's budget, whatever address each request claimed");
        assertEquals(EXTRA, refused, "every login past the budget is told so");

        // One more login, in the browser, claiming yet another address: refused, and nothing is sent.
        int gatewayBefore = vonage.received().size();
        var browser = ((HtmlUnitDriver) driver.driver()).getWebClient();
        browser.addRequestHeader("X-Forwarded-For", "192.0.2.123");
        try {
            passwordStep("spoof-" + (users - 1));
            codePage.assertCurrent();
        } finally {
            browser.removeRequestHeader("X-Forwarded-For");
        }
        assertTrue(codePage.errorMessage().orElse("").startsWith(LIMIT_MESSAGE_START),
                "the user is told: " + codePage.errorMessage());
        assertEquals(gatewayBefore, vonage.received().size(), "no SMS reached the gateway");
        assertEquals(TwoStepServerConfig.PER_IP_PER_HOUR, sentTo(numbers));

        List<EventRepresentation> limitEvents = realm.admin().getEvents(List.of("CUSTOM_REQUIRED_ACTION_ERROR"), null,
                        null, null, null, null, 0, 100).stream()
                .filter(e -> e.getDetails() != null && "sms_limit_hit".equals(e.getDetails().get("two_step_event")))
                .toList();
        assertEquals(EXTRA + 1, limitEvents.size(), "one refusal event per login past the budget");
        assertTrue(limitEvents.stream().allMatch(e -> "ip".equals(e.getDetails().get("limit"))
                && "127.0.0.1".equals(e.getIpAddress())), "the address budget of 127.0.0.1 refused them all");
    }

    /** @return SMS the fake gateway received for these numbers (its history spans the whole test run) */
    private int sentTo(List<String> numbers) {
        return numbers.stream().mapToInt(n -> vonage.to(n).size()).sum();
    }
}
