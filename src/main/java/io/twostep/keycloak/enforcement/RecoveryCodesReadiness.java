package io.twostep.keycloak.enforcement;

import io.twostep.keycloak.policy.TwoStepSettings;
import org.keycloak.authentication.authenticators.browser.RecoveryAuthnCodesFormAuthenticatorFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionProviderModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.RecoveryAuthnCodesCredentialModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether Keycloak's recovery codes can work in a realm: its set-up action ({@value #ACTION}) is registered and
 * enabled, and the bound browser flow can run the recovery-code form ({@value #FORM}), so that a user who has codes
 * finds "Recovery Authentication Code" under <em>Try another way</em>. Keycloak chains its own recovery-code set-up
 * after the app's only under the same two conditions.
 */
public final class RecoveryCodesReadiness {

    /** Keycloak's recovery-code form authenticator. */
    public static final String FORM = RecoveryAuthnCodesFormAuthenticatorFactory.PROVIDER_ID;
    /** The credential type of recovery codes, also the form's reference category. */
    public static final String CATEGORY = RecoveryAuthnCodesCredentialModel.TYPE;
    /** Keycloak's required action that creates (or replaces) a user's recovery codes. */
    public static final String ACTION = UserModel.RequiredAction.CONFIGURE_RECOVERY_AUTHN_CODES.name();

    private RecoveryCodesReadiness() {
    }

    /** @return why recovery codes cannot be offered or used in the realm, one sentence each; empty when they can */
    public static List<String> gaps(KeycloakSession session, RealmModel realm) {
        List<String> gaps = new ArrayList<>();
        RequiredActionProviderModel action = realm.getRequiredActionProvidersStream()
                .filter(a -> ACTION.equals(a.getProviderId())).findFirst().orElse(null);
        if (action == null) {
            gaps.add("required action 'Recovery Authentication Codes' (" + ACTION + ") is not registered");
        } else if (!action.isEnabled()) {
            gaps.add("required action 'Recovery Authentication Codes' (" + ACTION + ") is disabled");
        }
        if (!formRuns(session, realm)) {
            gaps.add("the browser flow " + (realm.getBrowserFlow() == null ? "is not bound"
                    : "'" + realm.getBrowserFlow().getAlias() + "' cannot run the 'Recovery Authentication Code Form' ("
                    + FORM + "): add it as ALTERNATIVE beside the OTP Form and SMS OTP Form"));
        }
        return gaps;
    }

    /** @return whether the bound browser flow can run the recovery-code form */
    public static boolean formRuns(KeycloakSession session, RealmModel realm) {
        return PolicyPaths.check(session, realm).canRun(realm.getBrowserFlow(), FORM);
    }

    /** @return whether codes can be offered and used: {@link #gaps} is empty */
    public static boolean ready(KeycloakSession session, RealmModel realm) {
        return gaps(session, realm).isEmpty();
    }

    /**
     * Requiring recovery codes in a realm where they cannot work would ask users for codes they cannot use: refused,
     * naming what is missing. Offering them is not refused (nothing is offered until they can work).
     *
     * @return the refusal, or {@code null} when the change may go ahead
     */
    public static String refusal(KeycloakSession session, RealmModel realm, TwoStepSettings before,
                                 TwoStepSettings after) {
        if (after.recoveryCodes() != TwoStepSettings.RecoveryCodes.REQUIRED
                || before.recoveryCodes() == TwoStepSettings.RecoveryCodes.REQUIRED) {
            return null;
        }
        List<String> gaps = gaps(session, realm);
        return gaps.isEmpty() ? null : "Recovery codes cannot be required: " + String.join("; ", gaps)
                + ". Run the set-up (\"setUp\": true, or the tab's Set up the realm on save) to wire them.";
    }

    /**
     * @param usersWithCodes how many users of the realm have recovery codes
     * @return the readiness report's {@code recoveryCodes} section: {@code setting}, {@code requiredAction}
     *         ({@code enabled}), {@code browserFlowRunsForm}, {@code resetCredentialsFlowRunsForm},
     *         {@code usable}, {@code reasons}, {@code usersWithCodes}
     */
    public static Map<String, Object> toJson(KeycloakSession session, RealmModel realm, int usersWithCodes) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("setting", TwoStepSettings.of(session, realm).recoveryCodes().value());
        json.put("requiredActionEnabled", realm.getRequiredActionProvidersStream()
                .anyMatch(a -> ACTION.equals(a.getProviderId()) && a.isEnabled()));
        json.put("browserFlowRunsForm", formRuns(session, realm));
        json.put("resetCredentialsFlowRunsForm",
                PolicyPaths.check(session, realm).canRun(realm.getResetCredentialsFlow(), FORM));
        List<String> gaps = gaps(session, realm);
        json.put("usable", gaps.isEmpty());
        json.put("reasons", gaps);
        json.put("usersWithCodes", usersWithCodes);
        return json;
    }
}
