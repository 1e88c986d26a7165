package io.twostep.keycloak.admin;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.enforcement.TwoStepSetup;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.models.utils.PostMigrationEvent;
import org.keycloak.services.resources.admin.AdminEventBuilder;
import org.keycloak.services.resources.admin.ext.AdminRealmResourceProvider;
import org.keycloak.services.resources.admin.ext.AdminRealmResourceProviderFactory;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;

/** Mounts {@link TwoStepAdminResource} at {@code /admin/realms/{realm}/two-step}. */
public final class TwoStepAdminResourceProvider implements AdminRealmResourceProviderFactory, AdminRealmResourceProvider {

    private static final Logger LOG = Logger.getLogger(TwoStepAdminResourceProvider.class);

    @Override
    public Object getResource(KeycloakSession session, RealmModel realm, AdminPermissionEvaluator auth,
                              AdminEventBuilder adminEvent) {
        return new TwoStepAdminResource(session, realm, auth, adminEvent);
    }

    @Override
    public AdminRealmResourceProvider create(KeycloakSession session) {
        return this;
    }

    @Override
    public void init(Config.Scope config) {
    }

    /**
     * Every new realm gets the two-step safety net, an import may ask for the set-up, and the admin console tab of an
     * imported realm shows the policy it was imported with ({@link TwoStepUiTab#imported}); at server start, realms
     * whose policy is on get the safety net if they lack it (see TwoStepSetup).
     */
    @Override
    public void postInit(KeycloakSessionFactory factory) {
        factory.register(event -> {
            if (event instanceof RealmModel.RealmCreationEvent creating) {
                TwoStepUiTab.importing(creating.getKeycloakSession(), creating.getCreatedRealm());
            } else if (event instanceof RealmModel.RealmPostCreateEvent created) {
                TwoStepSetup.onRealmCreated(created.getKeycloakSession(), created.getCreatedRealm());
                TwoStepUiTab.imported(created.getKeycloakSession(), created.getCreatedRealm());
            } else if (event instanceof PostMigrationEvent) {
                try {
                    KeycloakModelUtils.runJobInTransaction(factory, TwoStepSetup::registerSafetyNetWherePolicyIsOn);
                } catch (RuntimeException e) {
                    LOG.warnf("Could not check the realms for the two-step safety net at start: %s", e.getMessage());
                }
            }
        });
    }

    @Override
    public void close() {
    }

    @Override
    public String getId() {
        return TwoStepIds.ADMIN_PATH;
    }
}
