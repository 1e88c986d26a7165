package io.twostep.keycloak.provider;

import org.keycloak.Config;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;

/**
 * A provider factory with nothing to read at server start and nothing to release at shutdown: {@code init},
 * {@code postInit} and {@code close} do nothing. Mixed into the factories of this extension that have no options, so
 * that the three empty methods Keycloak's {@link ProviderFactory} asks for are written once.
 *
 * @param <T> the provider type the factory creates
 */
public interface NoLifecycle<T extends Provider> extends ProviderFactory<T> {

    /** Nothing to read: the factory has no options. */
    @Override
    default void init(Config.Scope config) {
    }

    /** Nothing to wire after all factories started. */
    @Override
    default void postInit(KeycloakSessionFactory factory) {
    }

    /** Nothing to release. */
    @Override
    default void close() {
    }
}
