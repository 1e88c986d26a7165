package io.twostep.keycloak.admin;

import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.services.resources.admin.AdminEventBuilder;
import org.keycloak.services.resources.admin.ext.AdminRealmResourceProvider;
import org.keycloak.services.resources.admin.ext.AdminRealmResourceProviderFactory;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;

/** Mounts {@link TwoStepAdminResource} at {@code /admin/realms/{realm}/two-step}. */
public final class TwoStepAdminResourceProvider implements AdminRealmResourceProviderFactory, AdminRealmResourceProvider {

    /** Path segment under {@code /admin/realms/{realm}/}. */
    public static final String ID = "two-step";

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

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }

    @Override
    public String getId() {
        return ID;
    }
}
