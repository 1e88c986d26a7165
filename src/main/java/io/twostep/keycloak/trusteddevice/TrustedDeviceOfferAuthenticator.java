package io.twostep.keycloak.trusteddevice;

import io.twostep.keycloak.events.LoginEventDetails;
import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.metrics.TwoStepMetrics;
import io.twostep.keycloak.policy.SecondStepEvidence;
import io.twostep.keycloak.policy.TwoStepSettings;
import io.twostep.keycloak.provider.PolicyStepAuthenticator;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.events.Details;
import org.keycloak.events.EventType;
import org.keycloak.models.Constants;

/**
 * Remember this device: placed after the second step, it asks once per login whether to remember this browser, only
 * when a second factor (app, SMS or security key) was actually used in this login, the realm's
 * {@code twoStep.trustedDeviceDays} is above 0, and the login is not one for an account action ({@code kc_action}).
 * The box is unticked by default and the page warns against shared devices (docs/security.md S25). Otherwise it
 * passes without a page.
 */
final class TrustedDeviceOfferAuthenticator extends PolicyStepAuthenticator {

    static final String TEMPLATE = "trusted-device-offer.ftl";
    /** Form field of the tick box; only the value {@code on} remembers the device. */
    static final String REMEMBER_FIELD = "rememberDevice";

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        TwoStepSettings settings = TwoStepSettings.of(context.getSession(), context.getRealm());
        // A login made for an account action (kc_action) is not the moment: most of them change the factors,
        // which would end the trust at once.
        boolean accountAction = context.getAuthenticationSession().getClientNote(Constants.KC_ACTION) != null;
        boolean federated = context.getUser().getFederationLink() != null; // never skipped, so never offered
        // A set-up about to change the factors would void the trust at once.
        boolean setUpPending = TrustedDevices.credentialSetUpPending(context.getSession(), context.getRealm(),
                context.getUser(), context.getAuthenticationSession());
        if (settings.trustedDeviceDays() <= 0 || accountAction || federated || setUpPending
                || !SecondStepEvidence.inThisLogin(context.getSession(), context.getRealm(),
                context.getAuthenticationSession())) {
            LoginEventDetails.restore(context); // the login may end in this request: keep earlier steps' details
            context.success();
            return;
        }
        context.challenge(context.form().setAttribute("trustedDeviceDays", settings.trustedDeviceDays())
                .createForm(TEMPLATE));
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        LoginEventDetails.restore(context); // this request sends LOGIN: keep what the second step recorded
        TwoStepSettings settings = TwoStepSettings.of(context.getSession(), context.getRealm());
        String ticked = context.getHttpRequest().getDecodedFormParameters().getFirst(REMEMBER_FIELD);
        if (settings.trustedDeviceDays() > 0 && "on".equals(ticked) && SecondStepEvidence.inThisLogin(
                context.getSession(), context.getRealm(), context.getAuthenticationSession())) {
            TrustedDeviceCredentialModel device = TrustedDevices.remember(context.getSession(), context.getRealm(),
                    context.getUser(), settings.trustedDeviceLifetime());
            context.getEvent().clone().event(EventType.UPDATE_CREDENTIAL).user(context.getUser())
                    .detail(Details.CREDENTIAL_TYPE, TrustedDeviceCredentialModel.TYPE)
                    .detail(TwoStepEvents.EVENT, TwoStepEvents.TRUSTED_DEVICE_REMEMBERED)
                    .detail(TwoStepEvents.TRUSTED_DEVICE, device.getUserLabel())
                    .success();
            TwoStepMetrics.trustedDevice(context.getRealm().getName(), "remembered", "none");
        }
        context.success();
    }
}
