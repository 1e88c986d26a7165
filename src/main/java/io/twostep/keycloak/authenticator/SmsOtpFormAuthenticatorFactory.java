package io.twostep.keycloak.authenticator;

import io.twostep.keycloak.credential.SmsOtpCredentialModel;
import io.twostep.keycloak.otp.SmsCodeSettings;
import org.keycloak.Config;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;

import java.util.List;

/**
 * Registers the {@code sms-otp-form} authenticator ("SMS OTP Form"). Its reference category is the credential
 * type {@code sms-otp}, which is what lets the Account Console list SMS numbers.
 */
public final class SmsOtpFormAuthenticatorFactory implements AuthenticatorFactory {

    /** Provider id. */
    public static final String ID = "sms-otp-form";

    private static final SmsOtpFormAuthenticator SINGLETON = new SmsOtpFormAuthenticator();

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getDisplayType() {
        return "SMS OTP Form";
    }

    @Override
    public String getReferenceCategory() {
        return SmsOtpCredentialModel.TYPE;
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
    public String getHelpText() {
        return "Texts a one-time code to the user's proven mobile number and asks for it.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return SmsCodeSettings.configProperties();
    }

    @Override
    public Authenticator create(KeycloakSession session) {
        return SINGLETON;
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
