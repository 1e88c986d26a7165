package io.twostep.keycloak.requiredaction;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.phone.PhonePolicy;
import io.twostep.keycloak.provider.TwoStepRequiredActionFactory;
import io.twostep.keycloak.smscode.SmsCodeSettings;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionConfigModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.userprofile.ValidationException;
import org.keycloak.validate.ValidationError;

import java.util.ArrayList;
import java.util.List;

/**
 * Registers {@code configure-sms-otp}, "Set up SMS code" (see {@link ConfigureSmsOtpRequiredAction}). Settings (admin
 * console, Required actions tab): {@value TwoStepIds#DEFAULT_REGION} (ISO 3166-1 alpha-2, for numbers typed without
 * {@code +}), {@value TwoStepIds#ALLOWED_REGIONS} (comma-separated; empty = all), which make the realm's phone policy
 * ({@code RealmPhonePolicy}), Keycloak's maximum age of authentication, and the code settings of
 * {@link SmsCodeSettings}. Unknown regions and values out of bounds are refused when the admin saves.
 */
public final class ConfigureSmsOtpRequiredActionFactory extends TwoStepRequiredActionFactory {

    /** Registers the action; Keycloak finds it through {@code META-INF/services}. */
    public ConfigureSmsOtpRequiredActionFactory() {
        super(TwoStepIds.CONFIGURE_SMS_OTP, "Set up SMS code", new ConfigureSmsOtpRequiredAction());
    }

    @Override
    public List<ProviderConfigProperty> getConfigMetadata() {
        List<ProviderConfigProperty> properties = new ArrayList<>(MAX_AUTH_AGE_CONFIG_PROPERTIES);
        properties.addAll(ProviderConfigurationBuilder.create()
                .property().name(TwoStepIds.DEFAULT_REGION).label("Default region")
                .type(ProviderConfigProperty.STRING_TYPE)
                .helpText("Two-letter region (e.g. DE) for numbers typed without +. Empty: international format only.")
                .add()
                .property().name(TwoStepIds.ALLOWED_REGIONS).label("Allowed regions")
                .type(ProviderConfigProperty.STRING_TYPE)
                .helpText("Comma-separated two-letter regions whose numbers may be used. Empty: all regions.")
                .add()
                .build());
        properties.addAll(SmsCodeSettings.configProperties());
        return properties;
    }

    /** @throws ValidationException naming the first field with an unknown region or a value out of bounds */
    @Override
    public void validateConfig(KeycloakSession session, RealmModel realm, RequiredActionConfigModel model) {
        super.validateConfig(session, realm, model);
        refuseIf(!regionsValid(model.getConfigValue(TwoStepIds.DEFAULT_REGION), null), TwoStepIds.DEFAULT_REGION);
        refuseIf(!regionsValid(null, model.getConfigValue(TwoStepIds.ALLOWED_REGIONS)), TwoStepIds.ALLOWED_REGIONS);
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
            throw new ValidationException(new ValidationError(TwoStepIds.CONFIGURE_SMS_OTP, field,
                    "error-invalid-value"));
        }
    }
}
