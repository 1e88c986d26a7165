package io.twostep.keycloak.policy;

import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.events.Event;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionProviderModel;

/**
 * {@code two-step-safety-net-keeper}: a global event listener (no realm needs to enable it) that keeps the
 * {@link TwoStepLoginCheck} registered and enabled in every realm whose policy is on. The switch refuses to go on
 * without it, but an admin could disable or delete the required action afterwards; together with a flow edited to
 * skip the second step, the switch would then show "on" while users sign in with the password alone. After any admin
 * change of a required action in such a realm, this listener enables the check again (or registers it again) in the
 * same transaction and logs a warning. To take the check away, switch the policy off first.
 */
public final class SafetyNetKeeperFactory implements EventListenerProviderFactory {

    /** Provider id. */
    public static final String ID = "two-step-safety-net-keeper";
    private static final Logger LOG = Logger.getLogger(SafetyNetKeeperFactory.class);

    @Override
    public EventListenerProvider create(KeycloakSession session) {
        return new EventListenerProvider() {
            @Override
            public void onEvent(Event event) {
            }

            @Override
            public void onEvent(AdminEvent event, boolean includeRepresentation) {
                if (event.getResourceType() == ResourceType.REQUIRED_ACTION && event.getRealmId() != null) {
                    keep(session, session.realms().getRealm(event.getRealmId()));
                }
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * Enables (or registers) the Two-step login check in {@code realm} if its policy is on.
     *
     * @param realm the realm, or {@code null}
     */
    static void keep(KeycloakSession session, RealmModel realm) {
        if (realm == null || !TwoStepSettings.fromAttributes(realm.getAttributes()).required()) {
            return;
        }
        RequiredActionProviderModel check = realm.getRequiredActionProvidersStream()
                .filter(a -> TwoStepLoginCheck.ID.equals(a.getProviderId())).findFirst().orElse(null);
        if (check == null) {
            TwoStepSetup.register(session, realm, TwoStepLoginCheck.ID);
            LOG.warnf("Realm %s: the %s required action was removed while the two-step policy is on; registered it "
                    + "again. Switch the policy off first to remove it.", realm.getName(), TwoStepLoginCheck.ID);
        } else if (!check.isEnabled()) {
            check.setEnabled(true);
            realm.updateRequiredActionProvider(check);
            LOG.warnf("Realm %s: the %s required action was disabled while the two-step policy is on; enabled it "
                    + "again. Switch the policy off first to disable it.", realm.getName(), TwoStepLoginCheck.ID);
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
