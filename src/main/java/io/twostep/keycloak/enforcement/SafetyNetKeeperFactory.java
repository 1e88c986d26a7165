package io.twostep.keycloak.enforcement;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.policy.TwoStepSettings;
import io.twostep.keycloak.provider.GlobalEventListenerFactory;
import org.jboss.logging.Logger;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionProviderModel;

/**
 * {@code two-step-safety-net-keeper}: a global event listener (no realm needs to enable it) that keeps the
 * Two-step login check ({@link TwoStepLoginCheckRequiredAction}) registered and enabled in every realm whose policy
 * is on. The switch refuses to go on without it, but an admin could disable or delete the required action
 * afterwards; together with a flow edited to skip the second step, the switch would then show "on" while users sign
 * in with the password alone. After any admin change of a required action in such a realm, this listener enables
 * the check again (or registers it again) in the same transaction and logs a warning. To take the check away,
 * switch the policy off first.
 */
public final class SafetyNetKeeperFactory extends GlobalEventListenerFactory {

    private static final Logger LOG = Logger.getLogger(SafetyNetKeeperFactory.class);

    /** Registers the listener; Keycloak finds it through {@code META-INF/services}. */
    public SafetyNetKeeperFactory() {
        super(TwoStepIds.SAFETY_NET_KEEPER_LISTENER);
    }

    @Override
    protected void onAdminEvent(KeycloakSession session, AdminEvent event) {
        if (event.getResourceType() == ResourceType.REQUIRED_ACTION && event.getRealmId() != null) {
            keep(session, session.realms().getRealm(event.getRealmId()));
        }
    }

    /**
     * Enables (or registers) the Two-step login check in {@code realm} if its policy is on.
     *
     * @param realm the realm, or {@code null}
     */
    static void keep(KeycloakSession session, RealmModel realm) {
        if (realm == null || !TwoStepSettings.of(session, realm).required()) {
            return;
        }
        RequiredActionProviderModel check = RequiredActions.find(realm, TwoStepIds.TWO_STEP_LOGIN_CHECK);
        if (check == null) {
            RequiredActions.register(session, realm, TwoStepIds.TWO_STEP_LOGIN_CHECK);
            LOG.warnf("Realm %s: the %s required action was removed while the two-step policy is on; registered it "
                    + "again. Switch the policy off first to remove it.", realm.getName(),
                    TwoStepIds.TWO_STEP_LOGIN_CHECK);
        } else if (!check.isEnabled()) {
            check.setEnabled(true);
            realm.updateRequiredActionProvider(check);
            LOG.warnf("Realm %s: the %s required action was disabled while the two-step policy is on; enabled it "
                    + "again. Switch the policy off first to disable it.", realm.getName(),
                    TwoStepIds.TWO_STEP_LOGIN_CHECK);
        }
    }
}
