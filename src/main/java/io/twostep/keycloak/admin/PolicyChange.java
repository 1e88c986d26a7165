package io.twostep.keycloak.admin;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.enforcement.RecoveryCodesReadiness;
import io.twostep.keycloak.enforcement.SwitchGuard;
import io.twostep.keycloak.enforcement.TwoStepSetup;
import io.twostep.keycloak.policy.TwoStepSettings;
import jakarta.ws.rs.core.Response;
import org.keycloak.common.util.Time;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.resources.admin.AdminEventBuilder;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A change of the realm's policy or its set-up, made the same way through the admin REST API and the admin console
 * tab: the update is checked, the set-up runs first when asked for, the switch is refused while a way into the realm
 * does not enforce the policy ({@link SwitchGuard}), requiring recovery codes is refused while the realm cannot use
 * them ({@link RecoveryCodesReadiness}), the realm attributes are written (the one store of the policy),
 * sessions end when asked for, and each step is an admin event on {@code two-step}. The caller checks the admin's
 * roles before.
 */
final class PolicyChange {

    /** A change refused before anything was written; {@link #status} is the REST API's answer. */
    static final class Refused extends RuntimeException {

        private final Response.Status status;

        Refused(Response.Status status, String message) {
            super(message);
            this.status = status;
        }

        /** @return 400 for a bad value, 409 for a switch or a set-up that cannot go ahead */
        Response.Status status() {
            return status;
        }
    }

    private final KeycloakSession session;
    private final RealmModel realm;
    private final AdminEventBuilder adminEvent;

    /**
     * @param realm      the realm whose policy changes
     * @param adminEvent the admin's event builder for this realm
     */
    PolicyChange(KeycloakSession session, RealmModel realm, AdminEventBuilder adminEvent) {
        this.session = session;
        this.realm = realm;
        this.adminEvent = adminEvent;
    }

    /**
     * @param update      the settings to change, keys of {@link TwoStepSettings.Setting} (others refused)
     * @param setUp       run the realm set-up first
     * @param endSessions end every SSO session of the realm with the change ({@link RealmSessions#endAll})
     * @return the policy now in force
     * @throws Refused 400 naming a bad setting; 409 naming each way in that does not enforce the policy, each flow
     *                 the set-up refused to change, or what recovery codes lack to be required
     */
    TwoStepSettings apply(Map<String, ?> update, boolean setUp, boolean endSessions) {
        TwoStepSettings before = TwoStepSettings.of(session, realm);
        TwoStepSettings after;
        try {
            after = before.with(update, Time.currentTime());
        } catch (IllegalArgumentException e) {
            throw new Refused(Response.Status.BAD_REQUEST, e.getMessage());
        }
        if (setUp) {
            setUp(false);
        }
        String refusal = SwitchGuard.refusal(session, realm, before, after);
        if (refusal == null) {
            refusal = RecoveryCodesReadiness.refusal(session, realm, before, after);
        }
        if (refusal != null) {
            throw new Refused(Response.Status.CONFLICT, refusal);
        }
        after.store(session, realm);
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("old", before.toApi());
        change.put("new", after.toApi());
        if (endSessions) {
            RealmSessions.endAll(session, realm);
            change.put(RealmSessions.END_SESSIONS, true);
        }
        adminEvent.resource(ResourceType.REALM).operation(OperationType.UPDATE)
                .resourcePath(TwoStepIds.ADMIN_PATH).representation(change).success();
        return after;
    }

    /**
     * Runs the realm set-up ({@link TwoStepSetup}); a run that changed something is an admin event.
     *
     * @param dryRun {@code true}: only lists what would change
     * @return what changed, or would change
     * @throws Refused 409 naming each flow too unusual to change (then nothing was changed), unless a dry run
     */
    TwoStepSetup.Result setUp(boolean dryRun) {
        TwoStepSetup.Result result = TwoStepSetup.run(session, realm, dryRun);
        if (!dryRun && !result.refusals().isEmpty()) {
            throw new Refused(Response.Status.CONFLICT, result.refusalMessage());
        }
        if (result.applied()) {
            adminEvent.resource(ResourceType.REALM).operation(OperationType.ACTION)
                    .resourcePath(TwoStepIds.ADMIN_PATH, "setup").representation(result.toJson()).success();
        }
        return result;
    }
}
