package io.twostep.keycloak.policy;

import io.twostep.keycloak.TwoStepIds;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.OTPCredentialModel;

/**
 * The second factors a user has set up, as the policy counts them: an authenticator app (Keycloak's OTP
 * credential) and a proven SMS number ({@code sms-otp} credential).
 *
 * @param app whether the user has an authenticator app
 * @param sms whether the user has a proven SMS number
 */
public record SecondFactors(boolean app, boolean sms) {

    /** @return the user's factors, read from their credentials */
    public static SecondFactors of(UserModel user) {
        return new SecondFactors(user.credentialManager().isConfiguredFor(OTPCredentialModel.TYPE),
                user.credentialManager().getStoredCredentialsByTypeStream(TwoStepIds.SMS_OTP_CREDENTIAL)
                        .findAny().isPresent());
    }
}
