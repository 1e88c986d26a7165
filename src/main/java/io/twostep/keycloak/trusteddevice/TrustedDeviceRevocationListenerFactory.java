package io.twostep.keycloak.trusteddevice;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.provider.GlobalEventListenerFactory;
import org.jboss.logging.Logger;
import org.keycloak.events.Event;
import org.keycloak.events.EventType;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserModel;

/**
 * {@code two-step-trusted-device-revocation}: a global event listener (no realm needs to enable it) that ends every
 * remembered device of a user who is disabled, by an admin ({@code UPDATE} of the user) or by permanent lockout
 * (docs/security.md S22). Being disabled leaves no timestamp to compare at login, and a user enabled again must not
 * find old trust waiting, so this one change is handled when it happens. The login check refuses a disabled user's
 * trust as well.
 */
public final class TrustedDeviceRevocationListenerFactory extends GlobalEventListenerFactory {

    private static final Logger LOG = Logger.getLogger(TrustedDeviceRevocationListenerFactory.class);
    private static final String USERS = "users/";

    /** Registers the listener; Keycloak finds it through {@code META-INF/services}. */
    public TrustedDeviceRevocationListenerFactory() {
        super(TwoStepIds.TRUSTED_DEVICE_REVOCATION_LISTENER);
    }

    @Override
    protected void onUserEvent(KeycloakSession session, Event event) {
        if (event.getType() == EventType.USER_DISABLED_BY_PERMANENT_LOCKOUT) {
            endTrustIfDisabled(user(session, event.getRealmId(), event.getUserId()));
        }
    }

    @Override
    protected void onAdminEvent(KeycloakSession session, AdminEvent event) {
        String path = event.getResourcePath();
        if (event.getResourceType() == ResourceType.USER && event.getOperationType() == OperationType.UPDATE
                && path != null && path.startsWith(USERS) && path.indexOf('/', USERS.length()) < 0) {
            endTrustIfDisabled(user(session, event.getRealmId(), path.substring(USERS.length())));
        }
    }

    private static void endTrustIfDisabled(UserModel user) {
        if (user != null && !user.isEnabled()) {
            int removed = TrustedDevices.removeAll(user);
            if (removed > 0) {
                LOG.debugf("Ended %d remembered device(s) of disabled user %s", removed, user.getId());
            }
        }
    }
}
