package io.twostep.keycloak.recovery;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.credential.SmsOtpCredentialModel;
import io.twostep.keycloak.credential.SmsOtpCredentialProvider;
import io.twostep.keycloak.limits.SmsLimiter;
import io.twostep.keycloak.notice.SecurityNotice;
import io.twostep.keycloak.notice.SecurityNotices;
import io.twostep.keycloak.phone.PhoneNumbers;
import io.twostep.keycloak.policy.TwoStepSettings;
import io.twostep.keycloak.trusteddevice.TrustedDevices;
import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.credential.OTPCredentialModel;
import org.keycloak.models.credential.RecoveryAuthnCodesCredentialModel;
import org.keycloak.services.managers.AuthenticationManager;
import org.keycloak.storage.ReadOnlyException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The help desk's answer to "I lost my phone": one action that puts a user back to "no second step yet", so that
 * the next login sets one up again. It removes the user's SMS number, authenticator apps, recovery codes and
 * remembered devices, clears the wrong-SMS-code count (lifting a block), ends the user's sessions (and, with
 * Keycloak's "not before", the refresh and offline tokens issued to them, e.g. on the lost phone), puts the set-up
 * the realm's method needs on the user, and sends the user a notice. Security keys and passkeys are left alone:
 * they are not on a lost phone's SIM, and the Credentials tab removes them one by one.
 */
public final class HelpDeskReset {

    private HelpDeskReset() {
    }

    /**
     * Resets the user's two-step login. The caller checks {@code manage-users} and records the admin event.
     *
     * @return what was done, for the admin event and the REST answer (no number in clear):
     *         {@code {"removed": {"sms-otp": n, "otp": n, "recovery-authn-codes": n, "trusted-device": n},
     *         "phoneNumber": "+49•••••••••89" or null, "wrongCodeCountCleared": true, "sessionsEnded": n,
     *         "nextLogin": "configure-sms-otp" | "CONFIGURE_TOTP" | null}}
     */
    public static Map<String, Object> reset(KeycloakSession session, RealmModel realm, UserModel user) {
        String masked = SmsOtpCredentialProvider.boundNumber(user).map(SmsOtpCredentialModel::phoneNumber)
                .map(PhoneNumbers::mask).orElse(null);
        Map<String, Object> removed = new LinkedHashMap<>();
        for (String type : List.of(SmsOtpCredentialModel.TYPE, OTPCredentialModel.TYPE,
                RecoveryAuthnCodesCredentialModel.TYPE)) {
            List<String> ids = user.credentialManager().getStoredCredentialsByTypeStream(type)
                    .map(c -> c.getId()).toList();
            ids.forEach(id -> user.credentialManager().removeStoredCredentialById(id));
            removed.put(type, ids.size());
        }
        removed.put("trusted-device", TrustedDevices.removeAll(user));
        session.getProvider(SmsLimiter.class).resetFailures(realm, user);
        String nextLogin = setUpAction(session, realm);
        if (nextLogin != null) {
            try {
                user.addRequiredAction(nextLogin);
            } catch (ReadOnlyException e) {
                nextLogin = null; // a read-only user: the policy's enrolment, if on, still runs at login
            }
        }
        int sessions = endSessions(session, realm, user);
        SecurityNotices.send(session, realm, user, SecurityNotice.of(SecurityNotice.Kind.HELP_DESK_RESET));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("removed", removed);
        result.put("phoneNumber", masked);
        result.put("wrongCodeCountCleared", true);
        result.put("sessionsEnded", sessions);
        result.put("nextLogin", nextLogin);
        return result;
    }

    /**
     * @return the set-up the realm's method calls for: the app when the policy is on with method {@code otp},
     *         else the SMS page (which offers the app too where the method allows), else the app; {@code null}
     *         when the realm has neither action enabled
     */
    static String setUpAction(KeycloakSession session, RealmModel realm) {
        TwoStepSettings policy = TwoStepSettings.of(session, realm);
        return RecoveryCodes.setUpAfterRecovery(policy, RecoveryCodes.enabled(realm, TwoStepIds.CONFIGURE_SMS_OTP),
                RecoveryCodes.enabled(realm, UserModel.RequiredAction.CONFIGURE_TOTP.name()));
    }

    /** Ends the user's sessions as Keycloak's admin "Sign out" of a user does. */
    private static int endSessions(KeycloakSession session, RealmModel realm, UserModel user) {
        session.users().setNotBeforeForUser(realm, user, Time.currentTime());
        List<UserSessionModel> sessions = session.sessions().getUserSessionsStream(realm, user).toList();
        sessions.forEach(s -> AuthenticationManager.backchannelLogout(session, realm, s,
                session.getContext().getUri(), session.getContext().getConnection(),
                session.getContext().getRequestHeaders(), true));
        return sessions.size();
    }
}
