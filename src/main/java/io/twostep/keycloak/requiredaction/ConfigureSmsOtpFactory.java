package io.twostep.keycloak.requiredaction;

import java.util.Set;
import io.twostep.keycloak.otp.SmsCodeSettings;
import io.twostep.keycloak.phone.PhonePolicy;
import org.keycloak.Config;
import org.keycloak.authentication.RequiredActionFactory;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionConfigModel;
import org.keycloak.models.RequiredActionProviderModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.userprofile.ValidationException;
import org.keycloak.validate.ValidationError;

import java.util.ArrayList;
import java.util.List;

/**
 * Registers the {@code configure-sms-otp} required action ("Set up SMS code"). Config (admin console, Required
 * actions tab): {@value #DEFAULT_REGION} (ISO 3166-1 alpha-2, for numbers typed without {@code +}),
 * {@value #ALLOWED_REGIONS} (comma-separated; empty = all) and the code settings of {@link SmsCodeSettings}.
 * Unknown regions are refused when the admin saves.
 */
public final class ConfigureSmsOtpFactory implements RequiredActionFactory {

    /** Provider id, also usable as {@code kc_action=configure-sms-otp}. */
    public static final String ID = "configure-sms-otp";
    static final String DEFAULT_REGION = "default-region";
    static final String ALLOWED_REGIONS = "allowed-regions";

    private static final ConfigureSmsOtp SINGLETON = new ConfigureSmsOtp();

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getDisplayText() {
        return "Set up SMS code";
    }

    @Override
    public RequiredActionProvider create(KeycloakSession session) {
        return SINGLETON;
    }

    @Override
    public List<ProviderConfigProperty> getConfigMetadata() {
        List<ProviderConfigProperty> properties = new ArrayList<>(MAX_AUTH_AGE_CONFIG_PROPERTIES);
        properties.addAll(ProviderConfigurationBuilder.create()
                .property().name(DEFAULT_REGION).label("Default region").type(ProviderConfigProperty.STRING_TYPE)
                .helpText("Two-letter region (e.g. DE) for numbers typed without +. Empty: international format only.")
                .add()
                .property().name(ALLOWED_REGIONS).label("Allowed regions").type(ProviderConfigProperty.STRING_TYPE)
                .helpText("Comma-separated two-letter regions whose numbers may be used. Empty: all regions.")
                .add()
                .build());
        properties.addAll(SmsCodeSettings.configProperties());
        return properties;
    }

    @Override
    public void validateConfig(KeycloakSession session, RealmModel realm, RequiredActionConfigModel model) {
        RequiredActionFactory.super.validateConfig(session, realm, model);
        refuseIf(!regionsValid(model.getConfigValue(DEFAULT_REGION), null), DEFAULT_REGION);
        refuseIf(!regionsValid(null, model.getConfigValue(ALLOWED_REGIONS)), ALLOWED_REGIONS);
        for (String key : SmsCodeSettings.BOUNDS.keySet()) {
            String value = model.getConfigValue(key);
            refuseIf(value != null && !value.isBlank() && !SmsCodeSettings.inBounds(key, value), key);
        }
    }

    private static boolean regionsValid(String defaultRegion, String allowedRegions) {
        try {
            PhonePolicy.of(defaultRegion, allowedRegions);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void refuseIf(boolean invalid, String field) {
        if (invalid) {
            throw new ValidationException(new ValidationError(ID, field, "error-invalid-value"));
        }
    }

    /**
     * The realm's phone policy, as set on this required action (default region, allowed regions). Used at
     * enrolment and again before every send, so that narrowing the allow-list also stops codes to numbers
     * bound earlier.
     *
     * @param realm the realm
     * @return the policy; international format only and all regions when nothing (valid) is set
     */
    public static PhonePolicy phonePolicy(RealmModel realm) {
        RequiredActionProviderModel action = realm.getRequiredActionProvidersStream().filter(a -> ID.equals(a.getProviderId())).findFirst().orElse(null);
        RequiredActionConfigModel config = action == null ? null : realm.getRequiredActionConfigByAlias(action.getAlias());
        if (config == null || config.getConfig() == null) {
            return new PhonePolicy(null, Set.of());
        }
        try {
            return PhonePolicy.of(config.getConfigValue(DEFAULT_REGION), config.getConfigValue(ALLOWED_REGIONS));
        } catch (IllegalArgumentException e) {
            // Refused when saved through the admin console; an imported realm may still carry a bad value.
            return new PhonePolicy(null, Set.of());
        }
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }
}
