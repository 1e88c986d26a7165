package io.twostep.keycloak.it;

import io.twostep.keycloak.support.IssuedSecrets;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.PartialImportRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Benchmark with a bound, part of every build: seeds 10 000 users, prints how long the readiness report takes, and
 * fails when a report takes {@value #BOUND_MS} ms or more. Run it alone with {@code mvn test -Dtest=ReadinessBenchmark}.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class ReadinessBenchmark extends AbstractJourneyTest {

    private static final int USERS = 10_000;
    /** The README's promise for 10 000 users: well under 5 s. */
    static final long BOUND_MS = 5_000;

    @Test
    void readinessReportOnTenThousandUsers() throws Exception {
        long seedStart = System.nanoTime();
        for (int batch = 0; batch < USERS / 1000; batch++) {
            List<UserRepresentation> users = new ArrayList<>();
            List<String> numbers = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                int n = batch * 1000 + i;
                UserRepresentation user = new UserRepresentation();
                user.setUsername("bench-" + n);
                user.setEnabled(true);
                if (n % 4 != 0) {
                    String number = String.format("+49151%08d", n % 9000);
                    numbers.add(number);
                    user.setAttributes(Map.of("phoneNumber", List.of(number)));
                }
                if (n % 3 == 0) {
                    CredentialRepresentation sms = new CredentialRepresentation();
                    sms.setType("sms-otp");
                    sms.setSecretData("{}");
                    sms.setCredentialData("{\"phoneNumber\":\"+4915100000001\"}");
                    user.setCredentials(List.of(sms));
                }
                users.add(user);
            }
            IssuedSecrets.numbers(numbers); // looked for in the server log after the suite
            PartialImportRepresentation rep = new PartialImportRepresentation();
            rep.setIfResourceExists(PartialImportRepresentation.Policy.SKIP.name());
            rep.setUsers(users);
            realm.admin().partialImport(rep).close();
        }
        System.out.printf("readiness benchmark: seeded %d users in %d ms%n", USERS,
                (System.nanoTime() - seedStart) / 1_000_000);

        for (int run = 1; run <= 3; run++) {
            long start = System.nanoTime();
            var response = adminCall("GET", "two-step/readiness", null, adminToken(), "application/json");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, response.statusCode());
            System.out.printf("readiness benchmark: run %d, %d users, %d ms, %d bytes%n", run, USERS + 3, millis,
                    response.body().length());
            assertTrue(millis < BOUND_MS, "readiness report on " + USERS + " users took " + millis + " ms");
        }
    }
}
