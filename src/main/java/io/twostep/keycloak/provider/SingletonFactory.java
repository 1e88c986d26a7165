package io.twostep.keycloak.provider;

import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.Provider;

/**
 * A factory whose provider keeps no state between requests (it lives in the authentication session), so one instance
 * serves every request: this extension's authenticators and required actions.
 *
 * @param <T> the provider type
 */
public abstract class SingletonFactory<T extends Provider> implements NoLifecycle<T> {

    private final String id;
    private final String displayName;
    private final T provider;

    /**
     * @param id          provider id, as realms refer to it (see {@code TwoStepIds})
     * @param displayName what the admin console shows
     * @param provider    the one instance
     */
    protected SingletonFactory(String id, String displayName, T provider) {
        this.id = id;
        this.displayName = displayName;
        this.provider = provider;
    }

    @Override
    public final String getId() {
        return id;
    }

    /** @return what the admin console shows */
    protected final String displayName() {
        return displayName;
    }

    /** @return the provider's one instance */
    @Override
    public final T create(KeycloakSession session) {
        return provider;
    }
}
