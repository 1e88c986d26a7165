package io.twostep.keycloak.credential;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.provider.GlobalEventListenerFactory;
import org.jboss.logging.Logger;
import org.keycloak.events.Event;
import org.keycloak.events.EventType;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.ModelException;
import org.keycloak.models.UserModel;

import java.util.Objects;
import java.util.Set;

/**
 * {@code two-step-phone-verified}: a global event listener (no realm needs to enable it) that keeps the
 * {@code phoneNumberVerified} attribute true only for the number a user proved with a code, the one bound to their
 * {@code sms-otp} credential (docs/security.md S35). Keycloak's OIDC {@code phone} scope maps both attributes into
 * tokens as {@code phone_number} and {@code phone_number_verified}, so an admin who types another
 * {@code phoneNumber}, an import, or a removed SMS factor must not leave {@code phone_number_verified: true} beside a
 * number nobody proved.
 *
 * <p>It runs on every admin change under {@code users/{id}} (the user, their credentials, a partial import), on a
 * user's own profile update, registration and credential removal, and on every login (which also covers imports
 * and directory syncs before the tokens of that login are made).
 */
public final class PhoneNumberVerifiedListenerFactory extends GlobalEventListenerFactory {

    private static final Logger LOG = Logger.getLogger(PhoneNumberVerifiedListenerFactory.class);
    private static final Set<EventType> USER_EVENTS = Set.of(EventType.LOGIN, EventType.REMOVE_CREDENTIAL,
            EventType.REMOVE_TOTP, EventType.UPDATE_CREDENTIAL, EventType.IDENTITY_PROVIDER_LOGIN,
            EventType.UPDATE_PROFILE, EventType.REGISTER, EventType.IDENTITY_PROVIDER_FIRST_LOGIN);
    private static final String USERS = "users/";

    /** Registers the listener; Keycloak finds it through {@code META-INF/services}. */
    public PhoneNumberVerifiedListenerFactory() {
        super(TwoStepIds.PHONE_VERIFIED_LISTENER);
    }

    @Override
    protected void onUserEvent(KeycloakSession session, Event event) {
        if (USER_EVENTS.contains(event.getType())) {
            reconcile(user(session, event.getRealmId(), event.getUserId()));
        }
    }

    /**
     * Any admin change under {@code users/{id}}: Keycloak's partial import reports its users as resource type
     * {@code REALM}, the user endpoints as {@code USER}.
     */
    @Override
    protected void onAdminEvent(KeycloakSession session, AdminEvent event) {
        String path = event.getResourcePath();
        if (path != null && path.startsWith(USERS) && path.length() > USERS.length()) {
            int end = path.indexOf('/', USERS.length());
            String userId = end < 0 ? path.substring(USERS.length()) : path.substring(USERS.length(), end);
            reconcile(user(session, event.getRealmId(), userId));
        }
    }

    /**
     * Sets {@code phoneNumberVerified} to {@code true} when {@code phoneNumber} is the user's bound number, to
     * {@code false} when it is another number or there is none bound, and leaves it absent for a user with neither.
     * A user whose attributes are read-only (e.g. from a directory) is left as it is.
     *
     * @param user the user, or {@code null} (nothing to do)
     */
    static void reconcile(UserModel user) {
        if (user == null) {
            return;
        }
        String phone = user.getFirstAttribute(TwoStepIds.PHONE_NUMBER);
        String verified = user.getFirstAttribute(TwoStepIds.PHONE_NUMBER_VERIFIED);
        boolean proven = phone != null && SmsOtpCredentialProvider.boundNumber(user)
                .map(bound -> bound.phoneNumber().equals(phone)).orElse(false);
        String wanted = proven ? "true" : (phone == null && verified == null ? null : "false");
        if (Objects.equals(verified, wanted)) {
            return;
        }
        try {
            user.setSingleAttribute(TwoStepIds.PHONE_NUMBER_VERIFIED, wanted);
        } catch (ModelException e) {
            LOG.debugf("phoneNumberVerified of user %s cannot be written: %s", user.getId(), e.getMessage());
        }
    }
}
