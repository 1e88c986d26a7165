package io.twostep.keycloak.enforcement;

import io.twostep.keycloak.policy.TwoStepPolicy;
import io.twostep.keycloak.policy.TwoStepSettings;
import org.jboss.logging.Logger;
import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.KeycloakModelUtils;

/**
 * The policy's switch-on time ({@code twoStep.requiredSince}), from which the grace period counts. The admin REST API
 * and the tab record it; a realm imported with the toggle on has none, and a raw attribute write may leave one in the
 * future (an endless grace period): the first login that meets the toggle then records now.
 */
final class SwitchOnTime {

    private static final Logger LOG = Logger.getLogger(SwitchOnTime.class);

    private SwitchOnTime() {
    }

    /**
     * @return the realm's settings with a usable switch-on time: recorded now if it was missing or bogus; 0 (no grace
     *         period, "Set up later" must not last for ever) if it could not be recorded
     */
    static TwoStepSettings settingsAtLogin(KeycloakSession session, RealmModel realm) {
        TwoStepSettings settings = TwoStepSettings.of(session, realm);
        long now = Time.currentTime();
        if (!settings.required() || usable(settings, now)) {
            return settings;
        }
        TwoStepSettings recorded = settings.withRequiredSince(record(session, realm.getId(), now) ? now : 0);
        recorded.remember(session, realm);
        return recorded;
    }

    private static boolean usable(TwoStepSettings settings, long now) {
        return settings.requiredSince() > 0 && settings.requiredSince() <= now + TwoStepPolicy.CLOCK_SKEW_SECONDS;
    }

    /**
     * Writes the switch-on time in a transaction of its own: simultaneous first logins would otherwise collide on
     * the same new attribute row and fail. The first write wins; the others change nothing.
     *
     * @return whether the time is recorded (by this login or one before it)
     */
    private static boolean record(KeycloakSession session, String realmId, long now) {
        try {
            KeycloakModelUtils.runJobInTransaction(session.getKeycloakSessionFactory(), inner -> {
                RealmModel realm = inner.realms().getRealm(realmId);
                if (!usable(TwoStepSettings.fromAttributes(realm.getAttributes()), now)) {
                    realm.setAttribute(TwoStepSettings.REQUIRED_SINCE_ATTRIBUTE, Long.toString(now));
                }
            });
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("Could not record the two-step switch-on time of realm %s (%s); no grace period for this login",
                    realmId, e.getMessage());
            return false;
        }
    }
}
