package io.twostep.keycloak.trusteddevice;

import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.events.Event;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.events.EventType;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/**
 * {@code two-step-trusted-device-revocation}: a global event listener (no realm needs to enable it) that ends every
 * remembered device of a user who is disabled, by an admin ({@code UPDATE} of the user) or by permanent lockout
 * (SECURITY.md S22). Being disabled leaves no timestamp to compare at login, and a user enabled again must not find
 * old trust waiting, so this one change is handled when it happens. The login check refuses a disabled user's
 * trust as well.
 */
public final class TrustedDeviceRevocationListenerFactory implements EventListenerProviderFactory {

    /** Provider id. */
    public static final String ID = "two-step-trusted-device-revocation";
    private static final Logger LOG = Logger.getLogger(TrustedDeviceRevocationListenerFactory.class);

    @Override
    public EventListenerProvider create(KeycloakSession session) {
        return new EventListenerProvider() {
            @Override
            public void onEvent(Event event) {
                if (event.getType() == EventType.USER_DISABLED_BY_PERMANENT_LOCKOUT) {
                    endTrustIfDisabled(session, event.getRealmId(), event.getUserId());
                }
            }

            @Override
            public void onEvent(AdminEvent event, boolean includeRepresentation) {
                String path = event.getResourcePath();
                if (event.getResourceType() == ResourceType.USER && event.getOperationType() == OperationType.UPDATE
                        && path != null && path.startsWith("users/") && path.indexOf('/', 6) < 0) {
                    endTrustIfDisabled(session, event.getRealmId(), path.substring(6));
                }
            }

            @Override
            public void close() {
            }
        };
    }

    private static void endTrustIfDisabled(KeycloakSession session, String realmId, String userId) {
        if (realmId == null || userId == null) {
            return;
        }
        RealmModel realm = session.realms().getRealm(realmId);
        UserModel user = realm == null ? null : session.users().getUserById(realm, userId);
        if (user != null && !user.isEnabled()) {
            int removed = TrustedDevices.removeAll(user);
            if (removed > 0) {
                LOG.debugf("Ended %d remembered device(s) of disabled user %s in realm %s", removed, userId,
                        realm.getName());
            }
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
