package io.twostep.keycloak.phone;

import io.twostep.keycloak.TwoStepIds;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionConfigModel;
import org.keycloak.models.RequiredActionProviderModel;

import java.util.Set;

/**
 * The realm's {@link PhonePolicy}: default region and allowed regions, as set on the realm's Set up SMS code
 * required action ({@value TwoStepIds#CONFIGURE_SMS_OTP}). Read at enrolment and again before every send, so that
 * narrowing the allow-list also stops codes to numbers bound earlier.
 */
public final class RealmPhonePolicy {

    /** International format only, every region: what a realm with nothing (valid) set gets. */
    private static final PhonePolicy OPEN = new PhonePolicy(null, Set.of());

    private RealmPhonePolicy() {
    }

    /**
     * @param realm the realm
     * @return its phone policy; international format only and all regions when nothing (valid) is set
     */
    public static PhonePolicy of(RealmModel realm) {
        RequiredActionProviderModel action = realm.getRequiredActionProvidersStream()
                .filter(a -> TwoStepIds.CONFIGURE_SMS_OTP.equals(a.getProviderId())).findFirst().orElse(null);
        RequiredActionConfigModel config = action == null ? null
                : realm.getRequiredActionConfigByAlias(action.getAlias());
        if (config == null || config.getConfig() == null) {
            return OPEN;
        }
        try {
            return PhonePolicy.of(config.getConfigValue(TwoStepIds.DEFAULT_REGION),
                    config.getConfigValue(TwoStepIds.ALLOWED_REGIONS));
        } catch (IllegalArgumentException e) {
            // Refused when saved through the admin console; an imported realm may still carry a bad value.
            return OPEN;
        }
    }
}
