package io.twostep.keycloak.recovery;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.credential.SmsOtpCredentialModel;
import io.twostep.keycloak.enforcement.RecoveryCodesReadiness;
import io.twostep.keycloak.policy.TwoStepSettings;
import org.keycloak.credential.CredentialModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.OTPCredentialModel;
import org.keycloak.models.credential.RecoveryAuthnCodesCredentialModel;
import org.keycloak.models.credential.dto.RecoveryAuthnCodesCredentialData;
import org.keycloak.util.JsonSerialization;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * What this extension needs to know about a user's recovery codes (Keycloak's {@code recovery-authn-codes}
 * credential, one set per user) and the decisions built on it. The decisions are plain methods a unit test calls.
 */
public final class RecoveryCodes {

    /** Keycloak's set-up action of recovery codes. */
    public static final String ACTION = RecoveryCodesReadiness.ACTION;
    /** The factors a recovery code stands in for, and that a new set-up after one replaces. */
    static final Set<String> REPLACED_TYPES = Set.of(OTPCredentialModel.TYPE, SmsOtpCredentialModel.TYPE);

    private RecoveryCodes() {
    }

    /** @return whether the user has a set of recovery codes */
    public static boolean has(UserModel user) {
        return user.credentialManager().getStoredCredentialsByTypeStream(RecoveryAuthnCodesCredentialModel.TYPE)
                .findAny().isPresent();
    }

    /** @return how many unused recovery codes the user has; 0 without a set */
    public static int remaining(UserModel user) {
        return user.credentialManager().getStoredCredentialsByTypeStream(RecoveryAuthnCodesCredentialModel.TYPE)
                .findFirst().map(RecoveryCodes::remaining).orElse(0);
    }

    private static int remaining(CredentialModel credential) {
        try {
            return JsonSerialization.readValue(credential.getCredentialData(), RecoveryAuthnCodesCredentialData.class)
                    .getRemainingCodes();
        } catch (IOException | RuntimeException e) {
            return 0; // unreadable: Keycloak's form cannot use it either
        }
    }

    /** @return ids of the user's authenticator apps and SMS number, the factors a recovery code stands in for */
    static List<String> replacedFactorIds(UserModel user) {
        return user.credentialManager().getStoredCredentialsStream()
                .filter(c -> REPLACED_TYPES.contains(c.getType())).map(CredentialModel::getId).toList();
    }

    /** @return whether codes may be offered or asked for now: the setting allows it and the realm can use them */
    static boolean offered(KeycloakSession session, RealmModel realm) {
        return TwoStepSettings.of(session, realm).recoveryCodes()
                != TwoStepSettings.RecoveryCodes.OFF && RecoveryCodesReadiness.ready(session, realm);
    }

    /**
     * The set-up a user is sent to after signing in with a recovery code: a new second step in place of the lost
     * one. The SMS page offers the app too wherever the policy does not insist on SMS.
     *
     * @param smsEnabled whether {@code configure-sms-otp} is registered and enabled
     * @param appEnabled whether {@code CONFIGURE_TOTP} is registered and enabled
     * @return the required action, or {@code null} when the realm offers none
     */
    static String setUpAfterRecovery(TwoStepSettings policy, boolean smsEnabled, boolean appEnabled) {
        boolean policyOn = policy.required();
        if (policyOn && policy.method() == TwoStepSettings.Method.OTP) {
            return appEnabled ? UserModel.RequiredAction.CONFIGURE_TOTP.name() : null;
        }
        if (smsEnabled) {
            return TwoStepIds.CONFIGURE_SMS_OTP;
        }
        boolean smsMandatory = policyOn && policy.method() == TwoStepSettings.Method.SMS;
        return appEnabled && !smsMandatory ? UserModel.RequiredAction.CONFIGURE_TOTP.name() : null;
    }

    /**
     * Whether a login must set up recovery codes because the realm requires them ({@code twoStep.recoveryCodes =
     * required}): the user has a second factor (app or SMS) but no codes, and the login proved a second step (a
     * login a remembered device let in is not asked; the next one with the second step is).
     */
    static boolean requiredNow(TwoStepSettings.RecoveryCodes setting, boolean hasFactor, boolean hasCodes,
                               boolean proved) {
        return setting == TwoStepSettings.RecoveryCodes.REQUIRED && hasFactor && !hasCodes && proved;
    }

    /** @return whether a required action is registered and enabled in the realm */
    static boolean enabled(RealmModel realm, String action) {
        return realm.getRequiredActionProvidersStream()
                .anyMatch(a -> a.isEnabled() && (action.equals(a.getProviderId()) || action.equals(a.getAlias())));
    }
}
