package io.twostep.keycloak.admin;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.provider.NoLifecycle;
import io.twostep.keycloak.recovery.HelpDeskReset;
import org.keycloak.component.ComponentModel;
import org.keycloak.component.ComponentValidationException;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.services.resources.admin.AdminAuth;
import org.keycloak.services.resources.admin.AdminEventBuilder;
import org.keycloak.services.resources.admin.AdminRoot;
import org.keycloak.services.resources.admin.fgap.AdminPermissions;
import org.keycloak.services.ui.extend.UiTabProvider;
import org.keycloak.services.ui.extend.UiTabProviderFactory;

import java.util.List;
import java.util.Map;

/**
 * The "Two-step reset" tab on a user's page in the admin console (<em>Users → user → Two-step reset</em>; needs the
 * {@code declarative-ui} feature): one switch, <em>Reset two-step login on save</em>, that runs the help-desk reset
 * ({@link HelpDeskReset}) for the user whose page it is, as {@code POST …/two-step/users/{id}/reset} does, with the
 * same admin event.
 * <p>
 * Keycloak's declarative tabs are forms stored as one component per realm, with the page's route parameters added
 * on save: the user's id arrives as {@value #USER_ID}. Keycloak keeps only declared keys when it updates a stored
 * component (every save after the realm's first), so the id is declared too, with a type the console has no editor
 * for: it shows no field. The save runs the reset once and stores the switch off and no user id, so the tab keeps
 * nothing about any user. Saving a component needs {@code manage-realm}; the reset itself
 * also needs {@code manage-users} for that user, checked here. A help desk with {@code manage-users} only uses the
 * REST call.
 */
public final class HelpDeskResetTab implements UiTabProviderFactory<ComponentModel>, NoLifecycle<UiTabProvider> {

    /** The switch: reset on this save. */
    static final String RESET = "resetTwoStep";
    /** The route parameter of the user's page that the console adds to a save: the user's id. */
    static final String USER_ID = "id";
    private static final List<String> ROUTE_PARAMETERS = List.of(USER_ID, "realm", "tab");
    /** Type of the declared route parameter: no editor in the console, so no field on the tab. */
    private static final String ROUTE_PARAMETER = "two-step-route-parameter";

    /**
     * Keycloak calls this before it stores a save of the tab: a save with the switch on resets the user whose page
     * it came from, and the stored tab keeps the switch off and no user id.
     *
     * @throws ComponentValidationException with a message for the admin: no user, or no {@code manage-users}
     */
    @Override
    public void validateConfiguration(KeycloakSession session, RealmModel realm, ComponentModel model) {
        boolean reset = Boolean.parseBoolean(model.getConfig().getFirst(RESET));
        String userId = model.getConfig().getFirst(USER_ID);
        model.getConfig().putSingle(RESET, "false");
        ROUTE_PARAMETERS.forEach(model.getConfig()::remove);
        if (!reset) {
            return;
        }
        UserModel user = userId == null ? null : session.users().getUserById(realm, userId);
        if (user == null) {
            throw AdminLanguage.refusal(session, "twoStepResetTabNoUser");
        }
        RealmModel contextRealm = session.getContext().getRealm();
        AdminAuth auth;
        try {
            auth = AdminRoot.authenticateRealmAdminRequest(session);
            AdminPermissions.evaluator(session, realm, auth).users().requireManage(user);
        } catch (RuntimeException e) {
            throw AdminLanguage.refusal(session, "twoStepResetTabRefused");
        } finally {
            session.getContext().setRealm(contextRealm);
        }
        Map<String, Object> result = HelpDeskReset.reset(session, realm, user);
        try {
            new AdminEventBuilder(realm, auth, session, session.getContext().getConnection())
                    .resource(ResourceType.USER).operation(OperationType.ACTION)
                    .resourcePath("users", user.getId(), "two-step", "reset").representation(result).success();
        } finally {
            session.getContext().setRealm(contextRealm);
        }
    }

    @Override
    public String getPath() {
        return "/:realm/users/:id/:tab";
    }

    @Override
    public Map<String, String> getParams() {
        return Map.of("tab", "two-step-reset");
    }

    @Override
    public String getHelpText() {
        return "Resets this user's two-step login, as the help desk does for a lost phone.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return ProviderConfigurationBuilder.create()
                // Message keys, shown in the admin's language (twoStepResetTab* in our bundles)
                .property().name(RESET).label("twoStepResetTab").type(ProviderConfigProperty.BOOLEAN_TYPE)
                .defaultValue("false").helpText("twoStepResetTabHelp").add()
                .property().name(USER_ID).type(ROUTE_PARAMETER).add()
                .build();
    }

    @Override
    public String getId() {
        return TwoStepIds.HELP_DESK_TAB;
    }
}
