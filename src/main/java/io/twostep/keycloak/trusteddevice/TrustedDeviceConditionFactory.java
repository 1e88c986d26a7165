package io.twostep.keycloak.trusteddevice;

import io.twostep.keycloak.otp.LoginEventDetails;
import io.twostep.keycloak.otp.TwoStepEvents;
import io.twostep.keycloak.policy.PolicyStepFactory;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticator;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticatorFactory;
import org.keycloak.events.EventType;
import org.keycloak.models.UserModel;


/**
 * {@code trusted-device} ("Condition - device not remembered"): put it among the conditions of the sub-flow that
 * holds the second step, after the password. It is true (the second step runs) unless this browser carries valid
 * trust for this user in this realm, the password was entered in this login, and the request asks neither for
 * fresh or stronger authentication nor for an account action such as setting up a factor (SECURITY.md S20, S21,
 * S24). Users of a user storage (LDAP) are never skipped: a password changed there cannot be noticed. Every refused cookie raises a {@code LOGIN_ERROR} event with error
 * {@value #ERROR_REFUSED} and the reason; a skip adds {@code two_step_event=trusted_device_used} to the login event.
 * <p>
 * A session this condition let in holds the password only and records no second step, so
 * {@link io.twostep.keycloak.factorchange.FactorChangeGuard} refuses it every change of the user's factors and
 * remembered devices until a second step is passed.
 */
public final class TrustedDeviceConditionFactory extends PolicyStepFactory
        implements ConditionalAuthenticatorFactory, ConditionalAuthenticator {

    /** Provider id. */
    public static final String ID = "trusted-device";
    /** Auth note holding this login's verdict, so the condition decides once however often Keycloak asks. */
    public static final String VERDICT_NOTE = "two-step.trusted-device.verdict";
    /** Event error of a refused trust cookie. */
    public static final String ERROR_REFUSED = "trusted_device_refused";

    private static final Logger LOG = Logger.getLogger(TrustedDeviceConditionFactory.class);

    @Override
    public boolean matchCondition(AuthenticationFlowContext context) {
        String decided = context.getAuthenticationSession().getAuthNote(VERDICT_NOTE);
        if (decided != null) {
            return !TrustRules.Verdict.TRUSTED.name().equals(decided);
        }
        UserModel user = context.getUser();
        TrustedDevices.Check check = TrustedDevices.check(context.getSession(), context.getRealm(), user,
                context.getAuthenticationSession(), context.getTopLevelFlow());
        TrustRules.Verdict verdict = check.verdict();
        context.getAuthenticationSession().setAuthNote(VERDICT_NOTE, verdict.name());
        LOG.debugf("Remembered-device check for user %s in realm %s: %s", user.getId(),
                context.getRealm().getName(), verdict.reason());
        if (verdict.skip()) {
            context.getEvent().detail(TwoStepEvents.EVENT, TwoStepEvents.TRUSTED_DEVICE_USED)
                    .detail(TwoStepEvents.TRUSTED_DEVICE, check.device().getUserLabel());
        } else if (verdict.refusal()) {
            context.getEvent().clone().event(EventType.LOGIN_ERROR).user(user)
                    .detail(TwoStepEvents.EVENT, TwoStepEvents.TRUSTED_DEVICE_REFUSED)
                    .detail(TwoStepEvents.REASON, verdict.reason())
                    .error(ERROR_REFUSED);
        } else if (verdict != TrustRules.Verdict.NO_COOKIE) {
            // The LOGIN event goes out from a later request (after the code): keep the detail for it.
            LoginEventDetails.add(context, TwoStepEvents.TRUSTED_DEVICE_NOT_APPLIED, verdict.reason());
        }
        return !verdict.skip();
    }

    @Override
    public void action(AuthenticationFlowContext context) {
    }

    @Override
    public ConditionalAuthenticator getSingleton() {
        return this;
    }

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getDisplayType() {
        return "Condition - device not remembered";
    }

    @Override
    public String getHelpText() {
        return "True unless this browser was remembered by this user after a second step (realm attribute "
                + "twoStep.trustedDeviceDays). Place it after the password, among the conditions of the second "
                + "step's sub-flow.";
    }

    /** The credential type, so the Account Console lists remembered devices while this condition is in a flow. */
    @Override
    public String getReferenceCategory() {
        return TrustedDeviceCredentialModel.TYPE;
    }
}
