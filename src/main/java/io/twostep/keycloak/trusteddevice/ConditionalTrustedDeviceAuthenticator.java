package io.twostep.keycloak.trusteddevice;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.events.LoginEventDetails;
import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.metrics.TwoStepMetrics;
import io.twostep.keycloak.provider.PolicyStepAuthenticator;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticator;
import org.keycloak.events.EventType;
import org.keycloak.models.UserModel;

/**
 * Condition - device not remembered: true (the second step runs) unless this browser carries valid trust for this
 * user in this realm, the password was entered in this login, and the request asks neither for fresh or stronger
 * authentication nor for an account action such as setting up a factor (docs/security.md S20, S21, S24). Users of
 * a user storage (LDAP) are never skipped: a password changed there cannot be noticed. Every refused cookie raises a
 * {@code LOGIN_ERROR} event with error {@value TwoStepEvents#ERROR_TRUSTED_DEVICE_REFUSED} and the reason; a skip
 * adds {@code two_step_event=trusted_device_used} to the login event.
 * <p>
 * A session this condition let in holds the password only and records no second step, so
 * {@code FactorChangeGuard} refuses it every change of the user's factors and remembered devices until a second step
 * is passed.
 */
final class ConditionalTrustedDeviceAuthenticator extends PolicyStepAuthenticator implements ConditionalAuthenticator {

    private static final Logger LOG = Logger.getLogger(ConditionalTrustedDeviceAuthenticator.class);

    /** Decides once per login, however often Keycloak asks: the verdict is kept in an auth note. */
    @Override
    public boolean matchCondition(AuthenticationFlowContext context) {
        String decided = context.getAuthenticationSession().getAuthNote(TwoStepIds.TRUSTED_DEVICE_VERDICT_NOTE);
        if (decided != null) {
            return !TrustRules.Verdict.TRUSTED.name().equals(decided);
        }
        UserModel user = context.getUser();
        TrustedDevices.Check check = TrustedDevices.check(context.getSession(), context.getRealm(), user,
                context.getAuthenticationSession(), context.getTopLevelFlow());
        TrustRules.Verdict verdict = check.verdict();
        context.getAuthenticationSession().setAuthNote(TwoStepIds.TRUSTED_DEVICE_VERDICT_NOTE, verdict.name());
        LOG.debugf("Remembered-device check for user %s in realm %s: %s", user.getId(),
                context.getRealm().getName(), verdict.reason());
        count(context, verdict);
        if (verdict.skip()) {
            context.getEvent().detail(TwoStepEvents.EVENT, TwoStepEvents.TRUSTED_DEVICE_USED)
                    .detail(TwoStepEvents.TRUSTED_DEVICE, check.device().getUserLabel());
        } else if (verdict.refusal()) {
            context.getEvent().clone().event(EventType.LOGIN_ERROR).user(user)
                    .detail(TwoStepEvents.EVENT, TwoStepEvents.TRUSTED_DEVICE_REFUSED)
                    .detail(TwoStepEvents.REASON, verdict.reason())
                    .error(TwoStepEvents.ERROR_TRUSTED_DEVICE_REFUSED);
        } else if (verdict != TrustRules.Verdict.NO_COOKIE) {
            // The LOGIN event goes out from a later request (after the code): keep the detail for it.
            LoginEventDetails.add(context, TwoStepEvents.TRUSTED_DEVICE_NOT_APPLIED, verdict.reason());
        }
        return !verdict.skip();
    }

    /** Counts the verdict, once per login (it is decided once): the device's outcome and the policy's. */
    private static void count(AuthenticationFlowContext context, TrustRules.Verdict verdict) {
        String realm = context.getRealm().getName();
        if (verdict != TrustRules.Verdict.NO_COOKIE) {
            TwoStepMetrics.trustedDevice(realm,
                    verdict.skip() ? "used" : verdict.refusal() ? "refused" : "not_applied", verdict.reason());
        }
        TwoStepMetrics.policy(context.getAuthenticationSession(), realm, verdict.skip()
                ? TwoStepMetrics.PolicyOutcome.SKIPPED_REMEMBERED_DEVICE
                : TwoStepMetrics.PolicyOutcome.SECOND_STEP_ASKED);
    }
}
