package io.twostep.keycloak.notice;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.credential.SmsOtpCredentialModel;
import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.provider.GlobalEventListenerFactory;
import org.keycloak.events.Details;
import org.keycloak.events.Event;
import org.keycloak.events.EventType;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.OTPCredentialModel;
import org.keycloak.models.credential.RecoveryAuthnCodesCredentialModel;
import org.keycloak.models.credential.WebAuthnCredentialModel;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code two-step-security-notices}: a global event listener (no realm needs to enable it) that turns the events of
 * security-relevant changes into e-mail notices ({@link SecurityNotices}):
 * <ul>
 *     <li>a number bound or changed ({@code sms_number_bound}: masked new and, on a change, old number);</li>
 *     <li>a second factor (app, SMS number, security key, passkey, recovery codes) removed by the user
 *     ({@code REMOVE_CREDENTIAL}, from the Account Console, the Account REST API, or a factor retired after a
 *     recovery) or by an admin (the admin event of {@code DELETE …/users/{id}/credentials/{credentialId}});</li>
 *     <li>a device remembered ({@code trusted_device_remembered}: its label, when, from which client address);</li>
 *     <li>the SMS factor blocked after wrong codes ({@code sms_factor_blocked}, once per block);</li>
 *     <li>a recovery code used ({@code recovery_code_used}: how many are left);</li>
 *     <li>the e-mail address changed by the user ({@code UPDATE_PROFILE} or {@code UPDATE_EMAIL} with
 *     {@code previous_email}): told to the previous address, with the new one masked, so that whoever changes the
 *     address first cannot keep the owner from hearing of later changes.</li>
 * </ul>
 * The help-desk reset sends its own notice. Events only carry masked numbers, and so do the notices.
 */
public final class SecurityNoticeListenerFactory extends GlobalEventListenerFactory {

    /** Credential types whose removal is told: the second factors and recovery codes. */
    static final Set<String> SECOND_FACTORS = Set.of(OTPCredentialModel.TYPE, SmsOtpCredentialModel.TYPE,
            WebAuthnCredentialModel.TYPE_TWOFACTOR, WebAuthnCredentialModel.TYPE_PASSWORDLESS,
            RecoveryAuthnCodesCredentialModel.TYPE);

    /** {@code users/{id}/credentials/{credentialId}}, the admin REST API's credential removal. */
    private static final Pattern ADMIN_CREDENTIAL = Pattern.compile("users/([^/]+)/credentials/[^/]+");

    /** Registers the listener; Keycloak finds it through {@code META-INF/services}. */
    public SecurityNoticeListenerFactory() {
        super(TwoStepIds.SECURITY_NOTICES_LISTENER);
    }

    @Override
    protected void onUserEvent(KeycloakSession session, Event event) {
        SecurityNotice notice = notice(event);
        if (notice != null) {
            send(session, event.getRealmId(), event.getUserId(), notice);
        }
        String previous = previousAddress(event);
        if (previous != null) {
            UserModel user = user(session, event.getRealmId(), event.getUserId());
            if (user != null) {
                SecurityNotices.sendTo(session, session.realms().getRealm(event.getRealmId()), user, previous,
                        SecurityNotice.of(SecurityNotice.Kind.EMAIL_CHANGED,
                                SecurityNotice.maskAddress(event.getDetails().get(Details.UPDATED_EMAIL))));
            }
        }
    }

    /**
     * @return the address an e-mail change by the user (profile update, Keycloak's update-e-mail action, the
     *         Account Console) moved away from, or {@code null} when the event is no such change
     */
    static String previousAddress(Event event) {
        if ((event.getType() != EventType.UPDATE_PROFILE && event.getType() != EventType.UPDATE_EMAIL)
                || event.getError() != null || event.getDetails() == null) {
            return null;
        }
        String previous = event.getDetails().get(Details.PREVIOUS_EMAIL);
        String updated = event.getDetails().get(Details.UPDATED_EMAIL);
        if (previous == null || previous.isBlank() || previous.strip().equalsIgnoreCase(
                updated == null ? "" : updated.strip())) {
            return null;
        }
        return previous.strip();
    }

    @Override
    protected void onAdminEvent(KeycloakSession session, AdminEvent event) {
        if (event.getResourceType() != ResourceType.USER || event.getOperationType() != OperationType.ACTION
                || event.getResourcePath() == null || event.getError() != null) {
            return;
        }
        Matcher path = ADMIN_CREDENTIAL.matcher(event.getResourcePath());
        Map<String, String> details = event.getDetails();
        String type = details == null ? null : details.get(Details.CREDENTIAL_TYPE);
        if (path.matches() && SECOND_FACTORS.contains(type)) {
            send(session, event.getRealmId(), path.group(1), SecurityNotice.of(
                    SecurityNotice.Kind.FACTOR_REMOVED_BY_ADMIN, SecurityNotice.factorName(type)));
        }
    }

    /**
     * The notice a user event calls for.
     *
     * @return the notice, or {@code null} when the event needs none
     */
    static SecurityNotice notice(Event event) {
        Map<String, String> details = event.getDetails() == null ? Map.of() : event.getDetails();
        String step = details.get(TwoStepEvents.EVENT);
        if (event.getType() == EventType.UPDATE_CREDENTIAL && TwoStepEvents.NUMBER_BOUND.equals(step)) {
            String previous = details.get(TwoStepEvents.PREVIOUS_MASKED_NUMBER);
            String bound = details.getOrDefault(TwoStepEvents.MASKED_NUMBER, "");
            return previous == null ? SecurityNotice.of(SecurityNotice.Kind.NUMBER_BOUND, bound)
                    : SecurityNotice.of(SecurityNotice.Kind.NUMBER_CHANGED, previous, bound);
        }
        if (event.getType() == EventType.UPDATE_CREDENTIAL && TwoStepEvents.TRUSTED_DEVICE_REMEMBERED.equals(step)) {
            return SecurityNotice.of(SecurityNotice.Kind.DEVICE_REMEMBERED,
                    details.getOrDefault(TwoStepEvents.TRUSTED_DEVICE, ""), utc(event.getTime()),
                    event.getIpAddress() == null ? "" : event.getIpAddress());
        }
        if (event.getType() == EventType.CUSTOM_REQUIRED_ACTION_ERROR
                && TwoStepEvents.FACTOR_BLOCKED.equals(step)) {
            return SecurityNotice.of(SecurityNotice.Kind.SMS_BLOCKED);
        }
        if (event.getType() == EventType.CUSTOM_REQUIRED_ACTION && TwoStepEvents.RECOVERY_CODE_USED.equals(step)) {
            int left;
            try {
                left = Integer.parseInt(details.getOrDefault(TwoStepEvents.REMAINING, "0"));
            } catch (NumberFormatException e) {
                left = 0;
            }
            return SecurityNotice.of(SecurityNotice.Kind.RECOVERY_CODE_USED, left);
        }
        if (event.getType() == EventType.REMOVE_CREDENTIAL
                && SECOND_FACTORS.contains(details.get(Details.CREDENTIAL_TYPE))) {
            return SecurityNotice.of(SecurityNotice.Kind.FACTOR_REMOVED,
                    SecurityNotice.factorName(details.get(Details.CREDENTIAL_TYPE)));
        }
        return null;
    }

    /** @return e.g. {@code 2026-11-29 14:03 UTC} */
    static String utc(long epochMillis) {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
                .format(Instant.ofEpochMilli(epochMillis).atZone(ZoneOffset.UTC));
    }

    private static void send(KeycloakSession session, String realmId, String userId, SecurityNotice notice) {
        UserModel user = user(session, realmId, userId);
        if (user != null) {
            SecurityNotices.send(session, session.realms().getRealm(realmId), user, notice);
        }
    }
}
