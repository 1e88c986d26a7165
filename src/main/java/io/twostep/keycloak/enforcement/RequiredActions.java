package io.twostep.keycloak.enforcement;

import org.keycloak.authentication.RequiredActionFactory;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionProviderModel;

import java.util.HashMap;

/**
 * A realm's required actions as the policy needs them: Keycloak runs only actions that are registered in the realm
 * and enabled, and silently skips the others.
 */
final class RequiredActions {

    private RequiredActions() {
    }

    /**
     * @param action a provider id or an alias, e.g. {@code CONFIGURE_TOTP} or {@code configure-sms-otp}
     * @return whether the realm has it registered and enabled
     */
    static boolean enabled(RealmModel realm, String action) {
        return realm.getRequiredActionProvidersStream()
                .anyMatch(a -> a.isEnabled() && (action.equals(a.getProviderId()) || action.equals(a.getAlias())));
    }

    /** @return the realm's registration of the action with that provider id, or {@code null} */
    static RequiredActionProviderModel find(RealmModel realm, String providerId) {
        return realm.getRequiredActionProvidersStream().filter(a -> providerId.equals(a.getProviderId()))
                .findFirst().orElse(null);
    }

    /**
     * Registers and enables a required action in a realm, after the ones it has.
     *
     * @param providerId the required action's provider id
     * @throws IllegalStateException when no such required action is deployed
     */
    static void register(KeycloakSession session, RealmModel realm, String providerId) {
        RequiredActionFactory factory = (RequiredActionFactory) session.getKeycloakSessionFactory()
                .getProviderFactory(RequiredActionProvider.class, providerId);
        if (factory == null) {
            throw new IllegalStateException("required action not deployed: " + providerId);
        }
        int priority = realm.getRequiredActionProvidersStream().mapToInt(RequiredActionProviderModel::getPriority)
                .max().orElse(0) + 10;
        RequiredActionProviderModel model = new RequiredActionProviderModel();
        model.setAlias(providerId);
        model.setName(factory.getDisplayText());
        model.setProviderId(providerId);
        model.setEnabled(true);
        model.setDefaultAction(false);
        model.setPriority(priority);
        model.setConfig(new HashMap<>());
        realm.addRequiredActionProvider(model);
    }
}
