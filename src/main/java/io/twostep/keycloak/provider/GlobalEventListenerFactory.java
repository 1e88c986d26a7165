package io.twostep.keycloak.provider;

import org.keycloak.events.Event;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/**
 * A global event listener: Keycloak hands it every user and admin event of every realm, with no realm having to
 * enable it, in the request (and transaction) that raised the event. A subclass reacts to the events it names in
 * {@link #onUserEvent} and {@link #onAdminEvent}; everything else is ignored.
 */
public abstract class GlobalEventListenerFactory implements EventListenerProviderFactory,
        NoLifecycle<EventListenerProvider> {

    private final String id;

    /** @param id provider id (see {@code TwoStepIds}) */
    protected GlobalEventListenerFactory(String id) {
        this.id = id;
    }

    /**
     * A user event (login, credential change, ...).
     *
     * @param session the request's session
     * @param event   the event; its realm and user are ids
     */
    protected void onUserEvent(KeycloakSession session, Event event) {
    }

    /**
     * An admin event (a change through the admin REST API or console).
     *
     * @param session the request's session
     * @param event   the event; {@link AdminEvent#getResourcePath()} says what changed, e.g. {@code users/<id>}
     */
    protected void onAdminEvent(KeycloakSession session, AdminEvent event) {
    }

    /**
     * @param realmId a realm id, or {@code null}
     * @param userId  a user id, or {@code null}
     * @return that user, or {@code null} when either id is missing or names nothing
     */
    protected static UserModel user(KeycloakSession session, String realmId, String userId) {
        if (realmId == null || userId == null) {
            return null;
        }
        RealmModel realm = session.realms().getRealm(realmId);
        return realm == null ? null : session.users().getUserById(realm, userId);
    }

    @Override
    public final EventListenerProvider create(KeycloakSession session) {
        return new EventListenerProvider() {
            @Override
            public void onEvent(Event event) {
                onUserEvent(session, event);
            }

            @Override
            public void onEvent(AdminEvent event, boolean includeRepresentation) {
                onAdminEvent(session, event);
            }

            @Override
            public void close() {
            }
        };
    }

    /** @return {@code true}: no realm needs to enable the listener */
    @Override
    public final boolean isGlobal() {
        return true;
    }

    @Override
    public final String getId() {
        return id;
    }
}
