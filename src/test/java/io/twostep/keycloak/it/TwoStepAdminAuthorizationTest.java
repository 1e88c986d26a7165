package io.twostep.keycloak.it;

import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every endpoint under {@code /admin/realms/{realm}/two-step} against admins holding one role each (or the two the
 * readiness report needs), and the admin events of both per-user DELETE endpoints.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class TwoStepAdminAuthorizationTest extends AbstractJourneyTest {

    @Test
    void eachEndpointNeedsItsRoles() throws Exception {
        String target = TestUsers.id(realm.admin(), createTarget());
        Map<String, String> tokens = new LinkedHashMap<>();
        for (List<String> roles : List.of(List.<String>of(), List.of("view-realm"), List.of("view-users"),
                List.of("view-realm", "view-users"), List.of("manage-realm"), List.of("manage-users"))) {
            tokens.put(String.join("+", roles), tokenWith(roles));
        }
        String users = "two-step/users/" + target;
        record Call(String method, String path, String body, String accept, List<String> allowed) {
            Call(String method, String path, String body, List<String> allowed) {
                this(method, path, body, "application/json", allowed);
            }
        }
        List<Call> calls = List.of(
                new Call("GET", "two-step", null, List.of("view-realm", "view-realm+view-users", "manage-realm")),
                new Call("PUT", "two-step", "{\"trustedDeviceDays\":90}", List.of("manage-realm")),
                new Call("GET", "two-step/readiness", null, List.of("view-realm+view-users")),
                new Call("GET", "two-step/readiness", null, "text/csv", List.of("view-realm+view-users")),
                new Call("POST", "two-step/setup?dryRun=true", null, List.of("manage-realm")),
                // The demo realm is set up already: a real run changes nothing, so it may run for each holder.
                new Call("POST", "two-step/setup", null, List.of("manage-realm")),
                new Call("GET", users + "/sms-failures", null, List.of("view-users", "view-realm+view-users",
                        "manage-users")),
                new Call("DELETE", users + "/sms-failures", null, List.of("manage-users")),
                new Call("GET", users + "/trusted-devices", null, List.of("view-users", "view-realm+view-users",
                        "manage-users")),
                new Call("DELETE", users + "/trusted-devices", null, List.of("manage-users")),
                new Call("POST", users + "/reset", null, List.of("manage-users")));
        List<String> wrong = new ArrayList<>();
        for (Call call : calls) {
            for (Map.Entry<String, String> holder : tokens.entrySet()) {
                int status = adminCall(call.method(), call.path(), call.body(), holder.getValue(), call.accept())
                        .statusCode();
                boolean allowed = call.allowed().contains(holder.getKey());
                if (allowed ? status >= 400 : status != 403) {
                    wrong.add(call.method() + " " + call.path() + " (" + call.accept() + ") as [" + holder.getKey()
                            + "]: " + status);
                }
            }
        }
        assertEquals(List.of(), wrong, "answers that do not match the roles");

        for (String path : List.of("sms-failures", "trusted-devices")) {
            assertTrue(realm.admin().getAdminEvents(List.of("DELETE"), null, null, null, null,
                            "users/" + target + "/two-step/" + path, null, null, 0, 10).size() >= 1,
                    "the DELETE of " + path + " is an admin event");
        }
    }

    private String createTarget() {
        TestUsers.withBoundNumber(realm.admin(), "authz-target", TestUsers.newNumber());
        return "authz-target";
    }

    /** @return an access token of a new user of this realm holding exactly these realm-management roles */
    private String tokenWith(List<String> roles) {
        String username = "authz-" + (roles.isEmpty() ? "none" : String.join("-", roles));
        TestUsers.plain(realm.admin(), username);
        ClientRepresentation realmManagement = realm.admin().clients().findByClientId("realm-management").get(0);
        List<RoleRepresentation> granted = roles.stream().map(role -> realm.admin().clients()
                .get(realmManagement.getId()).roles().get(role).toRepresentation()).toList();
        if (!granted.isEmpty()) {
            realm.admin().users().get(TestUsers.id(realm.admin(), username)).roles()
                    .clientLevel(realmManagement.getId()).add(granted);
        }
        return oauth.doPasswordGrantRequest(username, TestUsers.PASSWORD).getAccessToken();
    }
}
