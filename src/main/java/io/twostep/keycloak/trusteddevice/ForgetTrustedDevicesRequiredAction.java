package io.twostep.keycloak.trusteddevice;

import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.factorchange.FactorChangingAction;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.events.Details;
import org.keycloak.events.EventType;

import java.util.List;
import java.util.Map;

/**
 * Forget remembered devices: an application-initiated action ({@code kc_action=forget-trusted-devices}) that lists
 * the user's remembered devices and ends them all at once. One at a time is the Account Console's <em>Delete</em>.
 * Like every change of how the user signs in, it needs a second step passed in this login or SSO session
 * ({@link FactorChangingAction}), and Keycloak's <em>Maximum age of authentication</em> applies.
 */
final class ForgetTrustedDevicesRequiredAction extends FactorChangingAction {

    static final String TEMPLATE = "forget-trusted-devices.ftl";

    @Override
    protected void challenge(RequiredActionContext context) {
        // Maps, not records: Keycloak's FreeMarker wrapper reads bean getters and map keys only.
        List<Map<String, String>> devices = TrustedDevices.list(context.getUser()).stream()
                .map(d -> Map.of("label", d.getUserLabel(), "until", TrustedDevices.isoDate(d.expiresAt()))).toList();
        context.challenge(context.form().setAttribute("trustedDevices", devices).createForm(TEMPLATE));
    }

    @Override
    protected void process(RequiredActionContext context) {
        if (!context.getHttpRequest().getDecodedFormParameters().containsKey("forget")) {
            challenge(context);
            return;
        }
        int removed = TrustedDevices.removeAll(context.getUser());
        TrustedDevices.clearCookie(context.getSession(), context.getRealm(), context.getUser());
        context.getEvent().clone().event(EventType.REMOVE_CREDENTIAL).user(context.getUser())
                .detail(Details.CREDENTIAL_TYPE, TrustedDeviceCredentialModel.TYPE)
                .detail(TwoStepEvents.EVENT, TwoStepEvents.TRUSTED_DEVICES_FORGOTTEN)
                .detail(TwoStepEvents.COUNT, Integer.toString(removed))
                .success();
        context.success();
    }
}
