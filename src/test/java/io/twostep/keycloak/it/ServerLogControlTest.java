package io.twostep.keycloak.it;

import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.remote.runonserver.InjectRunOnServer;
import org.keycloak.testframework.remote.runonserver.RunOnServerClient;

/** The control lines the log-hygiene test needs, on the journey server ({@link ServerLogControl}). */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class ServerLogControlTest {

    @InjectRunOnServer(permittedPackages = "io.twostep.keycloak")
    RunOnServerClient runOnServer;

    @Test
    void silencedVonageLoggersAreOffAndTheirNeighbourWritesTheControlLine() {
        ServerLogControl.check(runOnServer, "journeys");
    }
}
