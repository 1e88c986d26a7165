package io.twostep.keycloak.provider;

import org.keycloak.authentication.RequiredActionFactory;
import org.keycloak.authentication.RequiredActionProvider;

/**
 * The shape of this extension's required actions: an {@code XxxRequiredActionFactory} holds the id and the name the
 * admin console shows (and the action's settings, where it has some) and creates a separate {@code XxxRequiredAction}
 * that shows the page. Actions keep no state between requests, so one instance serves every request.
 */
public abstract class TwoStepRequiredActionFactory extends SingletonFactory<RequiredActionProvider>
        implements RequiredActionFactory {

    /**
     * @param id          provider id, as realms register it (see {@code TwoStepIds})
     * @param displayText name in the admin console's required actions
     * @param action      the action, shared by every request
     */
    protected TwoStepRequiredActionFactory(String id, String displayText, RequiredActionProvider action) {
        super(id, displayText, action);
    }

    @Override
    public final String getDisplayText() {
        return displayName();
    }
}
