package io.twostep.keycloak.recovery;

import io.twostep.keycloak.otp.TwoStepEvents;
import io.twostep.keycloak.policy.AccountRecoverySettings;
import io.twostep.keycloak.policy.TwoStepEnrolmentAuthenticatorFactory;
import io.twostep.keycloak.policy.TwoStepSettings;
import io.twostep.keycloak.requiredaction.ConfigureSmsOtpFactory;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.authenticators.browser.RecoveryAuthnCodesFormAuthenticator;
import org.keycloak.authentication.authenticators.browser.RecoveryAuthnCodesFormAuthenticatorFactory;
import org.keycloak.events.EventType;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.RecoveryAuthnCodesCredentialModel;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.storage.ReadOnlyException;

/**
 * Keycloak's recovery-code form ({@code auth-recovery-authn-code-form}, "Recovery Authentication Code Form"), with
 * what this extension adds. It has Keycloak's provider id and extends its factory, so it takes its place (see
 * {@link io.twostep.keycloak.factorchange.GuardedRequiredActions} for the rule); page, brute-force handling and
 * the spending of the code stay Keycloak's.
 * <ul>
 *     <li>With {@code twoStep.recoveryCodes=off} the form is not offered (not even under <em>Try another way</em>)
 *     and a code is not accepted.</li>
 *     <li>A spent code is an event ({@code CUSTOM_REQUIRED_ACTION}, {@code two_step_event=recovery_code_used},
 *     {@code remaining}), which the security notice turns into an e-mail.</li>
 *     <li>The user who came in with a code sets up a second step again in this login (the SMS page, which offers
 *     the app, or the app's set-up when the policy asks for the app), and then gets fresh codes; once the new step
 *     is set up, the apps and the number from before are removed ({@link RecoveryCodesChainFactory}). A login made
 *     to change the number or set up the app ({@code kc_action}) is itself the new set-up, and keeps the other
 *     factor.</li>
 * </ul>
 */
public final class RecoveryCodeFormFactory extends RecoveryAuthnCodesFormAuthenticatorFactory {

    /** Auth note: a recovery code was spent in this login; value {@value #KEEP} or {@code retire:<credential ids>}. */
    static final String SPENT_NOTE = "two-step.recovery.spent";
    static final String KEEP = "keep";
    static final String RETIRE = "retire:";
    /** The credential type the form answers to while codes are switched off: one no credential has. */
    static final String SWITCHED_OFF_TYPE = RecoveryAuthnCodesCredentialModel.TYPE + "-switched-off";

    @Override
    public Authenticator create(KeycloakSession session) {
        return new Form(session);
    }

    @Override
    public String getHelpText() {
        return "Validates a recovery code (two-step login: a spent code leads to setting up the second step again, "
                + "then fresh codes)";
    }

    /** Keycloak's form with the additions above. */
    static final class Form extends RecoveryAuthnCodesFormAuthenticator {

        Form(KeycloakSession session) {
            super(session);
        }

        @Override
        public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
            return !off(realm) && super.configuredFor(session, realm, user);
        }

        /**
         * Keycloak lists the ways in under <em>Try another way</em> (and picks the first one) by matching the types
         * of the user's credentials with this type; with codes switched off it names a type no credential has, so
         * the form is no way in.
         */
        @Override
        public String getType(KeycloakSession session) {
            RealmModel realm = session.getContext().getRealm();
            return realm != null && off(realm) ? SWITCHED_OFF_TYPE : super.getType(session);
        }

        private static boolean off(RealmModel realm) {
            return AccountRecoverySettings.fromAttributes(realm.getAttributes()).recoveryCodes()
                    == AccountRecoverySettings.RecoveryCodes.OFF;
        }

        @Override
        public void authenticate(AuthenticationFlowContext context) {
            if (!configuredFor(context.getSession(), context.getRealm(), context.getUser())) {
                context.attempted(); // switched off: not a way in
                return;
            }
            super.authenticate(context);
        }

        @Override
        public void action(AuthenticationFlowContext context) {
            if (!configuredFor(context.getSession(), context.getRealm(), context.getUser())) {
                context.attempted();
                return;
            }
            int before = RecoveryCodes.remaining(context.getUser());
            super.action(context);
            int after = RecoveryCodes.remaining(context.getUser());
            if (after < before) {
                spent(context, after);
            }
        }
    }

    /** A code was spent: record it, and send the user to set up a second step again. */
    private static void spent(AuthenticationFlowContext context, int remaining) {
        UserModel user = context.getUser();
        RealmModel realm = context.getRealm();
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        context.getEvent().clone().event(EventType.CUSTOM_REQUIRED_ACTION).user(user)
                .detail(TwoStepEvents.EVENT, TwoStepEvents.RECOVERY_CODE_USED)
                .detail(TwoStepEvents.CREDENTIAL_TYPE, RecoveryAuthnCodesCredentialModel.TYPE)
                .detail(TwoStepEvents.REMAINING, Integer.toString(remaining))
                .success();
        String kcAction = authSession.getClientNote(Constants.KC_ACTION);
        if (ConfigureSmsOtpFactory.ID.equals(kcAction)
                || UserModel.RequiredAction.CONFIGURE_TOTP.name().equals(kcAction)) {
            authSession.setAuthNote(SPENT_NOTE, KEEP); // the account action is the new set-up
            return;
        }
        TwoStepSettings policy = TwoStepSettings.fromAttributes(realm.getAttributes());
        String setUp = RecoveryCodes.setUpAfterRecovery(policy, RecoveryCodes.enabled(realm, ConfigureSmsOtpFactory.ID),
                RecoveryCodes.enabled(realm, UserModel.RequiredAction.CONFIGURE_TOTP.name()));
        if (setUp == null) {
            return; // nothing to set up in this realm; Keycloak asks for new codes once they are used up
        }
        // Fresh codes follow the new set-up; Keycloak's own request for them (when the last one went) would come
        // first, and the user would get two sets.
        try {
            user.removeRequiredAction(RecoveryCodes.ACTION);
        } catch (ReadOnlyException e) {
            // Keycloak then put it on this login instead
        }
        authSession.removeRequiredAction(RecoveryCodes.ACTION);
        authSession.setAuthNote(SPENT_NOTE, RETIRE + String.join(",", RecoveryCodes.replacedFactorIds(user)));
        if (ConfigureSmsOtpFactory.ID.equals(setUp)) {
            boolean smsMandatory = policy.required() && policy.method() == TwoStepSettings.Method.SMS;
            authSession.setAuthNote(TwoStepEnrolmentAuthenticatorFactory.CHOICE_NOTE, Boolean.toString(!smsMandatory));
        }
        authSession.addRequiredAction(setUp);
    }
}
