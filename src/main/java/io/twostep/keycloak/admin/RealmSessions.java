package io.twostep.keycloak.admin;

import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

/**
 * "End all sessions now", offered with the policy switch: sessions begun before the switch were begun without the
 * second step, and without this they keep getting tokens until they expire (the login-time safety net only stops
 * their next login through the SSO cookie).
 */
public final class RealmSessions {

    /** Option of {@code PUT /admin/realms/{realm}/two-step} and field of the admin console tab. */
    public static final String END_SESSIONS = "endSessions";

    private RealmSessions() {
    }

    /**
     * Ends every SSO session of the realm, as Keycloak's "Sign out all active sessions" does, and sets the realm's
     * "not before" to now, so that refresh and offline tokens issued before are refused. Access tokens already issued
     * stay valid until they expire (the realm's access token lifespan, minutes). Needs {@code manage-users}; the
     * caller checks it.
     *
     * @param realm the realm whose sessions end
     */
    public static void endAll(KeycloakSession session, RealmModel realm) {
        session.sessions().removeUserSessions(realm);
        realm.setNotBefore(Time.currentTime());
    }
}
