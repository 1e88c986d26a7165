package io.twostep.keycloak.it;

import io.twostep.keycloak.support.LimitsServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.remote.runonserver.InjectRunOnServer;
import org.keycloak.testframework.remote.runonserver.RunOnServerClient;

/** The control lines the log-hygiene test needs, on the server that signs its requests ({@link ServerLogControl}). */
@KeycloakIntegrationTest(config = LimitsServerConfig.class)
class LimitsServerLogControlTest {

    @InjectRunOnServer(permittedPackages = "io.twostep.keycloak")
    RunOnServerClient runOnServer;

    @Test
    void silencedVonageLoggersAreOffAndTheirNeighbourWritesTheControlLine() {
        ServerLogControl.check(runOnServer, "limits");
    }
}
