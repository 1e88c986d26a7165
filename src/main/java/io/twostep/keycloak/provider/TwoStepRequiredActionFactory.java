package io.twostep.keycloak.provider;

import org.keycloak.authentication.RequiredActionFactory;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;

/**
 * The shape of this extension's required actions: an {@code XxxRequiredActionFactory} holds the id and the name the
 * admin console shows (and the action's settings, where it has some) and creates a separate {@code XxxRequiredAction}
 * that shows the page. Actions keep no state between requests, so one instance serves every request.
 */
public abstract class TwoStepRequiredActionFactory implements RequiredActionFactory, NoLifecycle<RequiredActionProvider> {

    private final String id;
    private final String displayText;
    private final RequiredActionProvider action;

    /**
     * @param id          provider id, as realms register it (see {@code TwoStepIds})
     * @param displayText name in the admin console's required actions
     * @param action      the action, shared by every request
     */
    protected TwoStepRequiredActionFactory(String id, String displayText, RequiredActionProvider action) {
        this.id = id;
        this.displayText = displayText;
        this.action = action;
    }

    @Override
    public final String getId() {
        return id;
    }

    @Override
    public final String getDisplayText() {
        return displayText;
    }

    /** @return the action's one instance */
    @Override
    public final RequiredActionProvider create(KeycloakSession session) {
        return action;
    }
}
