package io.twostep.keycloak.it;

import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.PartialImportRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Benchmark, not a test: seeds 10 000 users and prints how long the readiness report takes. Run with
 * {@code mvn test -Dtest=ReadinessBenchmark -Dbenchmark=true}; the target is well under 5 s.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
@EnabledIfSystemProperty(named = "benchmark", matches = "true",
        disabledReason = "a benchmark: run it with -Dbenchmark=true")
class ReadinessBenchmark extends AbstractJourneyTest {

    private static final int USERS = 10_000;

    @Test
    void readinessReportOnTenThousandUsers() throws Exception {
        long seedStart = System.nanoTime();
        for (int batch = 0; batch < USERS / 1000; batch++) {
            List<UserRepresentation> users = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                int n = batch * 1000 + i;
                UserRepresentation user = new UserRepresentation();
                user.setUsername("bench-" + n);
                user.setEnabled(true);
                if (n % 4 != 0) {
                    user.setAttributes(Map.of("phoneNumber", List.of(String.format("+49151%08d", n % 9000))));
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
        }
    }
}
