package io.twostep.keycloak.authenticator;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.provider.TwoStepAuthenticatorFactory;
import io.twostep.keycloak.smscode.SmsCodeSettings;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.provider.ProviderConfigProperty;

import java.util.List;

/**
 * Registers {@code sms-otp-form}, "SMS OTP Form" (see {@link SmsOtpFormAuthenticator}). Unlike the policy's steps it
 * is a second factor: any requirement, settings of its own ({@link SmsCodeSettings}), and the reference category
 * {@code sms-otp}, the credential type, which is what lets the Account Console list SMS numbers.
 */
public final class SmsOtpFormAuthenticatorFactory extends TwoStepAuthenticatorFactory {

    /** Registers the step; Keycloak finds it through {@code META-INF/services}. */
    public SmsOtpFormAuthenticatorFactory() {
        super(TwoStepIds.SMS_OTP_FORM, "SMS OTP Form",
                "Texts a one-time code to the user's proven mobile number and asks for it.",
                new SmsOtpFormAuthenticator());
    }

    @Override
    public String getReferenceCategory() {
        return TwoStepIds.SMS_OTP_CREDENTIAL;
    }

    @Override
    public boolean isConfigurable() {
        return true;
    }

    @Override
    public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
        return REQUIREMENT_CHOICES;
    }

    @Override
    public boolean isUserSetupAllowed() {
        return true;
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return SmsCodeSettings.configProperties();
    }
}
