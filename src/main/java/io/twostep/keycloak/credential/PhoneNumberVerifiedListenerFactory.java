package io.twostep.keycloak.credential;

import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.events.Event;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.events.EventType;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.ModelException;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

import java.util.Objects;
import java.util.Set;

/**
 * {@code two-step-phone-verified}: a global event listener (no realm needs to enable it) that keeps the
 * {@code phoneNumberVerified} attribute true only for the number a user proved with a code, the one bound to their
 * {@code sms-otp} credential. Keycloak's OIDC {@code phone} scope maps both attributes into tokens as
 * {@code phone_number} and {@code phone_number_verified}, so an admin who types another {@code phoneNumber}, an
 * import, or a removed SMS factor must not leave {@code phone_number_verified: true} beside a number nobody proved.
 *
 * <p>It runs on every admin change under {@code users/{id}} (the user, their credentials, a partial import), on a
 * user's own profile update, registration and credential removal, and on every login (which also covers imports
 * and directory syncs before the tokens of that login are made).
 */
public final class PhoneNumberVerifiedListenerFactory implements EventListenerProviderFactory {

    /** Provider id. */
    public static final String ID = "two-step-phone-verified";
    /** The user attribute holding the number, E.164 with {@code +}. */
    public static final String PHONE_NUMBER = "phoneNumber";
    /** The user attribute saying whether {@link #PHONE_NUMBER} was proven: {@code true} or {@code false}. */
    public static final String PHONE_NUMBER_VERIFIED = "phoneNumberVerified";

    private static final Logger LOG = Logger.getLogger(PhoneNumberVerifiedListenerFactory.class);
    private static final Set<EventType> USER_EVENTS = Set.of(EventType.LOGIN, EventType.REMOVE_CREDENTIAL,
            EventType.REMOVE_TOTP, EventType.UPDATE_CREDENTIAL, EventType.IDENTITY_PROVIDER_LOGIN,
            EventType.UPDATE_PROFILE, EventType.REGISTER, EventType.IDENTITY_PROVIDER_FIRST_LOGIN);

    @Override
    public EventListenerProvider create(KeycloakSession session) {
        return new EventListenerProvider() {
            @Override
            public void onEvent(Event event) {
                if (USER_EVENTS.contains(event.getType())) {
                    reconcile(session, event.getRealmId(), event.getUserId());
                }
            }

            @Override
            public void onEvent(AdminEvent event, boolean includeRepresentation) {
                // Any admin change under users/{id}: Keycloak's partial import reports its users as resource type
                // REALM, the user endpoints as USER.
                String path = event.getResourcePath();
                if (path != null && path.startsWith("users/") && path.length() > 6) {
                    int end = path.indexOf('/', 6);
                    reconcile(session, event.getRealmId(), end < 0 ? path.substring(6) : path.substring(6, end));
                }
            }

            @Override
            public void close() {
            }
        };
    }

    private static void reconcile(KeycloakSession session, String realmId, String userId) {
        if (realmId == null || userId == null) {
            return;
        }
        RealmModel realm = session.realms().getRealm(realmId);
        UserModel user = realm == null ? null : session.users().getUserById(realm, userId);
        if (user != null) {
            reconcile(user);
        }
    }

    /**
     * Sets {@code phoneNumberVerified} to {@code true} when {@code phoneNumber} is the user's bound number, to
     * {@code false} when it is another number or there is none bound, and leaves it absent for a user with neither.
     * A user whose attributes are read-only (e.g. from a directory) is left as it is.
     *
     * @param user the user
     */
    public static void reconcile(UserModel user) {
        String phone = user.getFirstAttribute(PHONE_NUMBER);
        String verified = user.getFirstAttribute(PHONE_NUMBER_VERIFIED);
        boolean proven = phone != null && SmsOtpCredentialProvider.boundNumber(user)
                .map(bound -> bound.phoneNumber().equals(phone)).orElse(false);
        String wanted = proven ? "true" : (phone == null && verified == null ? null : "false");
        if (Objects.equals(verified, wanted)) {
            return;
        }
        try {
            user.setSingleAttribute(PHONE_NUMBER_VERIFIED, wanted);
        } catch (ModelException e) {
            LOG.debugf("phoneNumberVerified of user %s cannot be written: %s", user.getId(), e.getMessage());
        }
    }

    @Override
    public boolean isGlobal() {
        return true;
    }

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }
}
