package io.twostep.keycloak.credential;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.metrics.TwoStepMetrics;
import io.twostep.keycloak.provider.GlobalEventListenerFactory;
import org.keycloak.events.Details;
import org.keycloak.events.Event;
import org.keycloak.events.EventType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.credential.OTPCredentialModel;
import org.keycloak.models.credential.RecoveryAuthnCodesCredentialModel;

import java.util.Map;

/**
 * {@code two-step-enrolment-metrics}: a global event listener (no realm needs to enable it) that counts second steps
 * set up in {@code twostep_enrolments_total{realm, method}}, from the event each set-up emits in the request that
 * finished it, whichever page it came through (the policy's enrolment, an account action, the Account Console):
 * <ul>
 *     <li>{@code sms}: {@code UPDATE_CREDENTIAL} with {@code two_step_event=sms_number_bound} (a number proven with
 *     its code and bound, a first one or a new one);</li>
 *     <li>{@code otp}: {@code UPDATE_CREDENTIAL} of type {@code otp}, which Keycloak's {@code CONFIGURE_TOTP} emits
 *     once per app set up (its deprecated {@code UPDATE_TOTP} twin is not counted, so an app counts once);</li>
 *     <li>{@code recovery_codes}: {@code UPDATE_CREDENTIAL} of type {@code recovery-authn-codes}, a new set of codes
 *     from Keycloak's {@code CONFIGURE_RECOVERY_AUTHN_CODES}.</li>
 * </ul>
 * Failed set-ups (events with an error) and this extension's other credential events (a remembered device) are not
 * counted.
 */
public final class EnrolmentMetricsListenerFactory extends GlobalEventListenerFactory {

    /** Registers the listener; Keycloak finds it through {@code META-INF/services}. */
    public EnrolmentMetricsListenerFactory() {
        super(TwoStepIds.ENROLMENT_METRICS_LISTENER);
    }

    @Override
    protected void onUserEvent(KeycloakSession session, Event event) {
        String method = method(event);
        RealmModel realm = method == null || event.getRealmId() == null ? null
                : session.realms().getRealm(event.getRealmId());
        if (realm != null) {
            TwoStepMetrics.enrolled(realm.getName(), method);
        }
    }

    /** @return the {@code method} label of a finished set-up, or {@code null} for any other event */
    static String method(Event event) {
        if (event.getType() != EventType.UPDATE_CREDENTIAL || event.getError() != null) {
            return null;
        }
        Map<String, String> details = event.getDetails() == null ? Map.of() : event.getDetails();
        String step = details.get(TwoStepEvents.EVENT);
        if (TwoStepEvents.NUMBER_BOUND.equals(step)) {
            return "sms";
        }
        if (step != null) {
            return null;
        }
        String type = details.get(Details.CREDENTIAL_TYPE);
        if (OTPCredentialModel.TYPE.equals(type)) {
            return "otp";
        }
        return RecoveryAuthnCodesCredentialModel.TYPE.equals(type) ? "recovery_codes" : null;
    }
}
