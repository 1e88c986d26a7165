package io.twostep.keycloak.enforcement;

import io.twostep.keycloak.policy.TwoStepSettings;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

import java.util.List;

/**
 * The switch never fails open: switching the policy on, or changing its method while it is on, is refused while a
 * way into the realm does not enforce it ({@link PolicyPaths}). The REST API, the admin console tab and a realm
 * import all ask here.
 */
public final class SwitchGuard {

    private SwitchGuard() {
    }

    /**
     * @param before the policy in force
     * @param after  the policy asked for
     * @return {@code null} when the change may go ahead, else a message naming each missing piece and the set-up
     */
    public static String refusal(KeycloakSession session, RealmModel realm, TwoStepSettings before,
                                 TwoStepSettings after) {
        if (!after.required() || before.required() && before.method() == after.method()) {
            return null;
        }
        List<String> gaps = PolicyPaths.gaps(PolicyPaths.of(session, realm, after.method()));
        if (gaps.isEmpty()) {
            return null;
        }
        return "Two-step login cannot be switched on in realm '" + realm.getName() + "': " + String.join("; ", gaps)
                + ". Run the set-up first (POST /admin/realms/" + realm.getName() + "/two-step/setup, \"setUp\": "
                + "true with this change, or 'Set up the realm' in the Two-step login tab); see the readiness "
                + "report for details.";
    }
}
