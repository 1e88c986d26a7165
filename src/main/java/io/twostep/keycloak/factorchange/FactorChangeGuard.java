package io.twostep.keycloak.factorchange;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.policy.SecondStepEvidence;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.core.Response;
import org.keycloak.authentication.AuthenticatorUtil;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.authenticators.util.AuthenticatorUtils;
import org.keycloak.events.EventType;
import org.keycloak.http.HttpRequest;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.credential.OTPCredentialModel;
import org.keycloak.models.credential.PasswordCredentialModel;
import org.keycloak.models.credential.RecoveryAuthnCodesCredentialModel;
import org.keycloak.models.credential.WebAuthnCredentialModel;
import org.keycloak.sessions.AuthenticationSessionModel;

import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The one rule for changing how a user signs in: a session may add, change or remove a second factor (app, SMS
 * number, security key, passkey, recovery codes) or a remembered device only after passing a second step in that
 * login or SSO session, whenever the user has any of them. A session that a remembered device let in with the
 * password alone, one that came from a password reset, or any other session without that proof, is refused.
 * <p>
 * The proof is positive and read from what Keycloak itself records: the executions that succeeded in this login and
 * those the user session completed (its {@code authenticators-completed} note), of an authenticator whose reference
 * category is a second factor ({@link #PROOF_CATEGORIES}), and the credential types authenticators reported as used
 * in this login. Nothing has to remember that a step was skipped, so a
 * path that skips the second step in a way this extension does not know of is refused as well.
 * <p>
 * Where it is enforced, so that every path meets it:
 * <ul>
 *   <li>every set-up or delete action (Keycloak's {@code CONFIGURE_TOTP}, {@code webauthn-register},
 *       {@code webauthn-register-passwordless}, {@code CONFIGURE_RECOVERY_AUTHN_CODES}, {@code delete_credential},
 *       replaced by {@link GuardedRequiredActions} and, for recovery codes, the {@code recovery} package; this
 *       extension's {@code configure-sms-otp} and
 *       {@code forget-trusted-devices}): started by an application ({@code kc_action}) from a session without the
 *       proof, it makes Keycloak ask to sign in again whatever its <em>Maximum age of authentication</em>
 *       ({@link #maxAuthAge}), and the login that follows runs the second step (a remembered device never skips an
 *       account action); any other way to reach its page without the proof shows a refusal ({@link #refuse});</li>
 *   <li>the Account REST API's {@code DELETE /realms/{realm}/account/credentials/{id}}: the credential providers
 *       of every second-factor type refuse it with HTTP 403 ({@link #refuseRemovalByRequest}, see
 *       {@link GuardedCredentialProviders}).</li>
 * </ul>
 * Keycloak's levels of authentication are not used for this: they protect only realms whose browser flow is built
 * from level-of-authentication sub-flows, Keycloak fails a level-2 sub-flow whose second step a condition skipped,
 * and an action's maximum age still counts whole seconds. The admin REST API removes credentials with no hook an
 * extension can use, so an account holding user-management roles is not covered.
 */
public final class FactorChangeGuard {

    /**
     * Reference categories of authenticators (and credential types they report as used) whose success proves the
     * second step before a change: authenticator app, SMS code, security key, passkey and recovery code (the one
     * way in for a user who lost the others).
     */
    public static final Set<String> PROOF_CATEGORIES = Set.of(OTPCredentialModel.TYPE, TwoStepIds.SMS_OTP_CREDENTIAL,
            WebAuthnCredentialModel.TYPE_TWOFACTOR, WebAuthnCredentialModel.TYPE_PASSWORDLESS,
            RecoveryAuthnCodesCredentialModel.TYPE);

    /** Message key of the refusal page. */
    public static final String REFUSAL_MESSAGE = "twoStepChangeNeedsSecondStep";

    /**
     * {@link org.keycloak.authentication.RequiredActionProvider#getMaxAuthAge} of an action a session without the
     * proof starts: Keycloak asks to sign in again when {@code authTime + maxAge < now}, so -1 asks even in the
     * second of the login (0 does not).
     */
    static final int ALWAYS_SIGN_IN_AGAIN = -1;

    /** Credential types that are not second factors. */
    private static final Set<String> NOT_FACTORS = Set.of(PasswordCredentialModel.TYPE,
            PasswordCredentialModel.PASSWORD_HISTORY);

    private FactorChangeGuard() {
    }

    /**
     * @return whether the user has something beyond the password that a change must be proven against: any
     * second factor, recovery codes, a passkey or a remembered device (any credential but the password)
     */
    public static boolean hasSecondFactor(UserModel user) {
        return user.credentialManager().getStoredCredentialsStream().anyMatch(c -> !NOT_FACTORS.contains(c.getType()));
    }

    /**
     * In a login: whether its required actions may change the user's factors, i.e. the user has none, or a second
     * step succeeded in this login or in the SSO session it continues.
     */
    public static boolean mayChange(KeycloakSession session, RealmModel realm, AuthenticationSessionModel authSession,
                                    UserModel user) {
        if (!hasSecondFactor(user)) {
            return true;
        }
        Stream<String> thisLogin = authSession.getExecutionStatus().entrySet().stream()
                .filter(e -> e.getValue() == AuthenticationSessionModel.ExecutionStatus.SUCCESS)
                .map(Map.Entry::getKey);
        Stream<String> ssoSession = completed(authSession.getUserSessionNotes().get(Constants.AUTHENTICATORS_COMPLETED));
        // What authenticators reported as used in this login, e.g. a passkey offered on the username form, which
        // succeeds as that form's execution
        return AuthenticatorUtil.getAuthnCredentials(authSession).stream().anyMatch(PROOF_CATEGORIES::contains)
                || SecondStepEvidence.anyWithCategory(session, realm, Stream.concat(thisLogin, ssoSession),
                PROOF_CATEGORIES);
    }

    /**
     * For a request made with a user session (a bearer token, or the SSO cookie at login): whether that session
     * may change the factors of its user, i.e. the user has none, or the session passed a second step.
     */
    public static boolean mayChange(KeycloakSession session, UserSessionModel userSession) {
        return !hasSecondFactor(userSession.getUser()) || SecondStepEvidence.anyWithCategory(session,
                userSession.getRealm(), completed(userSession.getNote(Constants.AUTHENTICATORS_COMPLETED)),
                PROOF_CATEGORIES);
    }

    /** @return {@link #mayChange(KeycloakSession, RealmModel, AuthenticationSessionModel, UserModel)} of an action */
    public static boolean mayChange(RequiredActionContext context) {
        return mayChange(context.getSession(), context.getRealm(), context.getAuthenticationSession(),
                context.getUser());
    }

    /**
     * The maximum age of authentication of a factor-changing action: -1 (sign in again, even in the second of the
     * login) when the SSO session that starts it has not passed a second step, else what the action configures.
     * Keycloak asks it while the SSO cookie is being checked, with that session in the context.
     *
     * @param configured the action's own maximum age, in seconds
     * @return seconds
     */
    public static int maxAuthAge(KeycloakSession session, int configured) {
        UserSessionModel userSession = session.getContext().getUserSession();
        if (userSession != null && !mayChange(session, userSession)) {
            return ALWAYS_SIGN_IN_AGAIN;
        }
        return configured;
    }

    /**
     * In a required action that changes the user's factors: whether it may go on in this login; if not, the refusal
     * page is shown and recorded ({@link #refuse}).
     *
     * @return {@code true} when the action may show its page or process its form
     */
    public static boolean permits(RequiredActionContext context) {
        if (mayChange(context)) {
            return true;
        }
        refuse(context);
        return false;
    }

    /**
     * Shows the refusal page ("first confirm it is you with your current second step") and records it as a
     * {@code CUSTOM_REQUIRED_ACTION_ERROR} event with error {@value TwoStepEvents#ERROR_SECOND_STEP_NEEDED}.
     */
    public static void refuse(RequiredActionContext context) {
        context.getEvent().clone().event(EventType.CUSTOM_REQUIRED_ACTION_ERROR).user(context.getUser())
                .detail(TwoStepEvents.EVENT, TwoStepEvents.SECOND_STEP_NEEDED)
                .error(TwoStepEvents.ERROR_SECOND_STEP_NEEDED);
        context.challenge(context.form().setError(REFUSAL_MESSAGE).createErrorPage(Response.Status.FORBIDDEN));
    }

    /**
     * Refuses the removal of one of the user's credentials when the current request is a {@code DELETE} made with a
     * session of that same user that has not passed a second step: the Account REST API's
     * {@code DELETE …/account/credentials/{id}}, which Keycloak checks through the credential type's metadata.
     * Listing credentials, or an admin acting on another user, is not affected.
     *
     * @param user the user whose credential is about to be removed, or {@code null} (nothing to check)
     * @throws ForbiddenException (HTTP 403) when the removal must not happen
     */
    public static void refuseRemovalByRequest(KeycloakSession session, UserModel user) {
        HttpRequest request = session.getContext().getHttpRequest();
        UserSessionModel userSession = session.getContext().getUserSession();
        if (user == null || request == null || !HttpMethod.DELETE.equals(request.getHttpMethod())
                || userSession == null || userSession.getUser() == null
                || !user.getId().equals(userSession.getUser().getId())) {
            return;
        }
        if (!mayChange(session, userSession)) {
            throw new ForbiddenException("To change how you sign in, first sign in with your current second step.");
        }
    }

    private static Stream<String> completed(String note) {
        return note == null ? Stream.empty() : AuthenticatorUtils.parseCompletedExecutions(note).keySet().stream();
    }
}
