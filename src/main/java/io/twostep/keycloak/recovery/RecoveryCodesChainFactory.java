package io.twostep.keycloak.recovery;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.credential.SmsOtpCredentialModel;
import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.provider.GlobalEventListenerFactory;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticatorUtil;
import org.keycloak.credential.CredentialModel;
import org.keycloak.events.Details;
import org.keycloak.events.Event;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.OTPCredentialModel;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.storage.ReadOnlyException;

import java.util.Map;

/**
 * {@code two-step-recovery-codes}: a global event listener (no realm needs to enable it) that chains Keycloak's
 * recovery-code set-up after a second step is set up, the way Keycloak chains it after its own app set-up. It reacts
 * to the event of a finished set-up, which every path through this extension's pages and Keycloak's app set-up
 * emits in the same request, before the login goes on: {@code sms_number_bound} (the SMS page, at enrolment or as
 * an account action) and {@code UPDATE_CREDENTIAL} of type {@code otp} (Configure OTP).
 * <ul>
 *     <li>The factor just set up was proven with its own code in this login, and is recorded as used in it, so
 *     that the recovery-code page that follows (behind the factor-change guard) opens for a user who had no
 *     second factor before this login.</li>
 *     <li>After a login with a recovery code ({@link RecoveryCodeFormFactory}): the apps and the SMS number the user
 *     had before are removed (each a {@code REMOVE_CREDENTIAL} event with {@code two_step_event=
 *     second_factor_replaced}, so the user is told), and fresh codes are asked for in this login.</li>
 *     <li>Otherwise, after the user's first second factor (no other app or number before, not a change of number)
 *     and when the user has no recovery codes yet: Keycloak's {@code CONFIGURE_RECOVERY_AUTHN_CODES} is added to
 *     the user, as Keycloak's app set-up does. Users who change a factor they have are not asked again (with
 *     {@code twoStep.recoveryCodes=required}, the next login with a second step asks those without codes).</li>
 * </ul>
 * Nothing is offered with {@code twoStep.recoveryCodes=off}, or while the realm cannot use codes (the action
 * disabled, or the browser flow unable to run the recovery-code form).
 */
public final class RecoveryCodesChainFactory extends GlobalEventListenerFactory {

    private static final Logger LOG = Logger.getLogger(RecoveryCodesChainFactory.class);

    /** Registers the listener; Keycloak finds it through {@code META-INF/services}. */
    public RecoveryCodesChainFactory() {
        super(TwoStepIds.RECOVERY_CODES_LISTENER);
    }

    @Override
    protected void onUserEvent(KeycloakSession session, Event event) {
        String type = setUpType(event);
        UserModel user = type == null ? null : user(session, event.getRealmId(), event.getUserId());
        if (user != null) {
            RealmModel realm = session.realms().getRealm(event.getRealmId());
            boolean changedNumber = event.getDetails().get(TwoStepEvents.PREVIOUS_MASKED_NUMBER) != null;
            afterSetUp(session, realm, user, session.getContext().getAuthenticationSession(), type,
                    !changedNumber && RecoveryCodes.replacedFactorIds(user).size() == 1);
        }
    }

    /** @return the credential type a finished set-up event is about, or {@code null} for any other event */
    static String setUpType(Event event) {
        if (event.getType() != EventType.UPDATE_CREDENTIAL || event.getError() != null) {
            return null;
        }
        Map<String, String> details = event.getDetails() == null ? Map.of() : event.getDetails();
        if (TwoStepEvents.NUMBER_BOUND.equals(details.get(TwoStepEvents.EVENT))) {
            return SmsOtpCredentialModel.TYPE;
        }
        if (details.get(TwoStepEvents.EVENT) == null
                && OTPCredentialModel.TYPE.equals(details.get(Details.CREDENTIAL_TYPE))) {
            return OTPCredentialModel.TYPE;
        }
        return null;
    }

    /**
     * @param first whether this set-up gave the user their first second factor (no other app or number, not a
     *              change of number)
     */
    private static void afterSetUp(KeycloakSession session, RealmModel realm, UserModel user,
                                   AuthenticationSessionModel authSession, String type, boolean first) {
        String spent = null;
        if (authSession != null && authSession.getAuthenticatedUser() != null
                && user.getId().equals(authSession.getAuthenticatedUser().getId())) {
            // Set up with its own code in this login: a use of that factor (Keycloak's list of credentials used).
            AuthenticatorUtil.addAuthCredential(authSession, type);
            spent = authSession.getAuthNote(RecoveryCodeForm.SPENT_NOTE);
            authSession.removeAuthNote(RecoveryCodeForm.SPENT_NOTE);
        }
        if (spent != null && spent.startsWith(RecoveryCodeForm.RETIRE)) {
            retire(session, realm, user, spent.substring(RecoveryCodeForm.RETIRE.length()));
        }
        if (!RecoveryCodes.offered(session, realm)) {
            return;
        }
        if (spent != null) {
            authSession.addRequiredAction(RecoveryCodes.ACTION); // fresh codes in place of the ones that were out
            return;
        }
        if (!first || RecoveryCodes.has(user)
                || user.getRequiredActionsStream().anyMatch(RecoveryCodes.ACTION::equals)) {
            return;
        }
        try {
            user.addRequiredAction(RecoveryCodes.ACTION);
        } catch (ReadOnlyException e) {
            if (authSession != null) {
                authSession.addRequiredAction(RecoveryCodes.ACTION);
            }
        }
    }

    /** Removes the apps and number the user had before the recovery login, telling each removal as an event. */
    private static void retire(KeycloakSession session, RealmModel realm, UserModel user, String ids) {
        for (String id : ids.split(",")) {
            CredentialModel old = id.isBlank() ? null : user.credentialManager().getStoredCredentialById(id);
            if (old == null || !RecoveryCodes.REPLACED_TYPES.contains(old.getType())) {
                continue; // already replaced (a new number replaces the old one) or never a factor
            }
            user.credentialManager().removeStoredCredentialById(id);
            LOG.debugf("Removed the %s credential of user %s in realm %s after a recovery-code login and a new "
                    + "set-up", old.getType(), user.getId(), realm.getName());
            new EventBuilder(realm, session, session.getContext().getConnection())
                    .event(EventType.REMOVE_CREDENTIAL).user(user)
                    .detail(Details.CREDENTIAL_TYPE, old.getType())
                    .detail(TwoStepEvents.EVENT, TwoStepEvents.SECOND_FACTOR_REPLACED)
                    .success();
        }
    }
}
