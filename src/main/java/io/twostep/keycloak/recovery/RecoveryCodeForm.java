package io.twostep.keycloak.recovery;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.policy.TwoStepSettings;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.authenticators.browser.RecoveryAuthnCodesFormAuthenticator;
import org.keycloak.credential.CredentialModel;
import org.keycloak.events.Errors;
import org.keycloak.events.EventType;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.RecoveryAuthnCodesCredentialModel;
import org.keycloak.models.utils.FormMessage;
import org.keycloak.models.utils.RecoveryAuthnCodesUtils;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.storage.ReadOnlyException;

/**
 * Keycloak's recovery-code form with what this extension adds ({@link RecoveryCodeFormFactory} lists it): switched
 * off with {@code twoStep.recoveryCodes=off}, a code that works once even when two logins post it at the same
 * instant, a spent code recorded as an event, and the user sent to set up a second step again.
 */
final class RecoveryCodeForm extends RecoveryAuthnCodesFormAuthenticator {

    /** Auth note: a recovery code was spent in this login; value {@value #KEEP} or {@code retire:<credential ids>}. */
    static final String SPENT_NOTE = "two-step.recovery.spent";
    /** {@link #SPENT_NOTE}: the login is an account action that sets up a factor; the other one stays. */
    static final String KEEP = "keep";
    /** {@link #SPENT_NOTE} prefix: the comma-separated ids of the factors to remove once a new one is set up. */
    static final String RETIRE = "retire:";
    /** The credential type the form answers to while codes are switched off: one no credential has. */
    static final String SWITCHED_OFF_TYPE = RecoveryAuthnCodesCredentialModel.TYPE + "-switched-off";
    /**
     * How long a try's claim of a code is kept when the code was spent, in seconds: longer than any request that
     * read the codes before the spending one committed; after that the stored codes no longer accept it. A try that
     * did not spend the code gives the claim back at once.
     */
    static final long CLAIM_SECONDS = 300;

    /** @param session the request's session (Keycloak's form keeps it) */
    RecoveryCodeForm(KeycloakSession session) {
        super(session);
    }

    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return !off(session, realm) && super.configuredFor(session, realm, user);
    }

    /**
     * Keycloak lists the ways in under <em>Try another way</em> (and picks the first one) by matching the types of
     * the user's credentials with this type; with codes switched off it names a type no credential has, so the form
     * is no way in.
     */
    @Override
    public String getType(KeycloakSession session) {
        RealmModel realm = session.getContext().getRealm();
        return realm != null && off(session, realm) ? SWITCHED_OFF_TYPE : super.getType(session);
    }

    private static boolean off(KeycloakSession session, RealmModel realm) {
        return TwoStepSettings.of(session, realm).recoveryCodes() == TwoStepSettings.RecoveryCodes.OFF;
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
        UserModel user = context.getUser();
        String credentialId = RecoveryAuthnCodesUtils.getCredential(user).map(CredentialModel::getId).orElse(null);
        int before = RecoveryCodes.remaining(user);
        String claim = credentialId == null ? null
                : "two-step.recovery.try." + context.getRealm().getId() + "." + credentialId + "." + before;
        if (claim != null && !context.getSession().singleUseObjects().putIfAbsent(claim, CLAIM_SECONDS)) {
            refuse(context);
            return;
        }
        int after = before;
        try {
            super.action(context);
            after = RecoveryCodes.remaining(user);
        } finally {
            if (after >= before && claim != null) {
                context.getSession().singleUseObjects().remove(claim); // not spent: the next try may have it
            }
        }
        if (after < before) {
            spent(context, after);
        }
    }

    /**
     * Another login of this account is trying the same code right now. Keycloak compares and spends a code by
     * reading the stored codes and writing them back, so two logins that post the current code at the same instant
     * could both be let in; each try therefore first claims the code, by an atomic put-if-absent in Keycloak's
     * {@code SingleUseObjectProvider} (exact across a cluster) under the credential and the number of codes left.
     * The login that does not get the claim is refused as for a wrong code, without reading or writing the codes.
     */
    private static void refuse(AuthenticationFlowContext context) {
        context.getEvent().user(context.getUser()).error(Errors.INVALID_USER_CREDENTIALS);
        LoginFormsProvider form = context.form().addError(new FormMessage(
                RecoveryAuthnCodesUtils.FIELD_RECOVERY_CODE_IN_BROWSER_FLOW,
                RecoveryAuthnCodesUtils.RECOVERY_AUTHN_CODES_INPUT_DEFAULT_ERROR_MESSAGE));
        context.failureChallenge(AuthenticationFlowError.INVALID_CREDENTIALS, form.createLoginRecoveryAuthnCode());
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
        if (TwoStepIds.CONFIGURE_SMS_OTP.equals(kcAction)
                || UserModel.RequiredAction.CONFIGURE_TOTP.name().equals(kcAction)) {
            authSession.setAuthNote(SPENT_NOTE, KEEP); // the account action is the new set-up
            // ... and cannot be cancelled into a finished login: the code stood in for the lost factor so that a
            // new one is set up. Keycloak offers no Cancel on an enforced application-initiated action and treats
            // a posted cancel-aia as the action's own form.
            authSession.setClientNote(Constants.KC_ACTION_ENFORCED, Boolean.TRUE.toString());
            return;
        }
        TwoStepSettings policy = TwoStepSettings.of(context.getSession(), realm);
        String setUp = RecoveryCodes.setUpAfterRecovery(policy,
                RecoveryCodes.enabled(realm, TwoStepIds.CONFIGURE_SMS_OTP),
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
        if (TwoStepIds.CONFIGURE_SMS_OTP.equals(setUp)) {
            boolean smsMandatory = policy.required() && policy.method() == TwoStepSettings.Method.SMS;
            authSession.setAuthNote(TwoStepIds.ENROLMENT_CHOICE_NOTE, Boolean.toString(!smsMandatory));
        }
        authSession.addRequiredAction(setUp);
    }
}
