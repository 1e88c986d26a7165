package io.twostep.keycloak.enforcement;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.metrics.TwoStepMetrics;
import io.twostep.keycloak.policy.SecondFactors;
import io.twostep.keycloak.policy.SecondStepEvidence;
import io.twostep.keycloak.policy.TwoStepPolicy;
import io.twostep.keycloak.policy.TwoStepSettings;
import io.twostep.keycloak.trusteddevice.TrustRules;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticatorUtil;
import org.keycloak.authentication.InitiatedActionSupport;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.authentication.authenticators.util.AuthenticatorUtils;
import org.keycloak.common.util.Time;
import org.keycloak.events.EventType;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.services.managers.AuthenticationSessionManager;
import org.keycloak.sessions.AuthenticationSessionModel;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Two-step login check: the login-time safety net of the two-step policy, independent of how the flows look. While
 * the realm's policy is on, a login that neither passed a second step (app, SMS, security key, passkey or recovery
 * code) nor skipped it with a remembered device nor is enrolling (or may still postpone enrolment in the grace
 * period) is not let through (docs/security.md S33).
 * <p>
 * Why a required action: Keycloak calls {@link #evaluateTriggers} of every enabled required action after every
 * successful flow of a login that ends in a session — browser (including logins through the SSO cookie), identity
 * provider logins after their post login flow, registration, password reset, and the password grant (where any
 * pending required action refuses the grant) — and before the session is handed to the client. An authenticator
 * runs only where an admin placed it, an event listener only after the fact. The one weakness, that a disabled or
 * unregistered required action does not run, is closed elsewhere: new realms get it registered, the set-up
 * registers it, switching the policy on is refused while it is disabled, the safety-net keeper enables it again, and
 * the readiness report names it.
 * <p>
 * What counts, read only from what the server recorded: a second-factor execution that succeeded in this login or in
 * the SSO session it continues ({@link SecondStepEvidence}); the remembered-device condition's verdict in this login;
 * for a login through the SSO cookie, this check's own note on the user session, set when the session's first login
 * passed it; an enrolment action (Configure OTP, Set up SMS code) pending in this login for a user with no second
 * factor. A user with no second factor and no pending enrolment is sent to the one the method needs, as the
 * enrolment step would; a user who has a second factor but used none is refused.
 */
final class TwoStepLoginCheckRequiredAction implements RequiredActionProvider {

    /** User-session note: this session's first login met the policy (value: how). */
    static final String MET_NOTE = "two-step.policy-met";
    /** Auth note: this login is enrolling a first second factor. */
    static final String ENROLLING_NOTE = "two-step.enrolling";

    private static final Logger LOG = Logger.getLogger(TwoStepLoginCheckRequiredAction.class);
    private static final String PASSKEY = "webauthn-passwordless";

    /** What the check found. */
    enum Outcome {
        /** The policy is off, or the login met it. */
        MET,
        /** A user with a second factor used none: refused. */
        NO_SECOND_STEP,
        /** A login through the SSO cookie of a session that never met the policy: refused, the session ended. */
        SESSION_WITHOUT_SECOND_STEP,
        /** Enrolment is needed but the action for it is disabled or not registered: refused. */
        ENROLMENT_UNAVAILABLE
    }

    @Override
    public void evaluateTriggers(RequiredActionContext context) {
        if (evaluate(context.getSession(), context.getRealm(), context.getAuthenticationSession(),
                context.getUser()) != Outcome.MET) {
            context.getAuthenticationSession().addRequiredAction(TwoStepIds.TWO_STEP_LOGIN_CHECK);
        }
    }

    @Override
    public void requiredActionChallenge(RequiredActionContext context) {
        Outcome outcome = evaluate(context.getSession(), context.getRealm(), context.getAuthenticationSession(),
                context.getUser());
        if (outcome == Outcome.MET) {
            context.success();
            return;
        }
        LOG.debugf("Two-step login check refused a login of user %s in realm %s: %s", context.getUser().getId(),
                context.getRealm().getName(), outcome);
        context.getEvent().clone().event(EventType.LOGIN_ERROR).user(context.getUser())
                .detail(TwoStepEvents.EVENT, TwoStepEvents.SECOND_STEP_MISSING)
                .detail(TwoStepEvents.REASON, outcome.name().toLowerCase(Locale.ROOT))
                .error(TwoStepEvents.ERROR_SECOND_STEP_MISSING);
        TwoStepMetrics.policy(context.getAuthenticationSession(), context.getRealm().getName(),
                outcome == Outcome.ENROLMENT_UNAVAILABLE ? TwoStepMetrics.PolicyOutcome.REFUSED_ENROLMENT_UNAVAILABLE
                        : TwoStepMetrics.PolicyOutcome.REFUSED_SECOND_STEP_MISSING);
        String message = "twoStepLoginCheckRefused";
        if (outcome == Outcome.SESSION_WITHOUT_SECOND_STEP) {
            // Ending the session lets the next sign-in start over with the password and the second step.
            UserSessionModel userSession = new AuthenticationSessionManager(context.getSession())
                    .getUserSession(context.getAuthenticationSession());
            if (userSession != null) {
                context.getSession().sessions().removeUserSession(context.getRealm(), userSession);
            }
            message = "twoStepLoginCheckSignInAgain";
        } else if (outcome == Outcome.ENROLMENT_UNAVAILABLE) {
            message = "twoStepEnrolmentUnavailable";
        }
        context.challenge(context.form().setError(message).createErrorPage(Response.Status.FORBIDDEN));
    }

    @Override
    public void processAction(RequiredActionContext context) {
        requiredActionChallenge(context);
    }

    @Override
    public InitiatedActionSupport initiatedActionSupport() {
        return InitiatedActionSupport.NOT_SUPPORTED;
    }

    @Override
    public void close() {
    }

    /**
     * Judges this login; a user without any second factor is sent to enrol (the enrolment action is added to this
     * login) when the action the method needs is enabled.
     *
     * @return whether this login meets the policy, and if not why
     */
    static Outcome evaluate(KeycloakSession session, RealmModel realm, AuthenticationSessionModel authSession,
                            UserModel user) {
        TwoStepSettings settings = TwoStepSettings.of(session, realm);
        if (!settings.required() || user == null || user.getServiceAccountClientLink() != null) {
            return Outcome.MET;
        }
        SecondFactors factors = SecondFactors.of(user);
        Set<String> categories = new HashSet<>(SecondStepEvidence.CATEGORIES);
        // A recovery code stands in for a lost second factor (and leads to setting up a new one).
        categories.add(RecoveryCodesReadiness.CATEGORY);
        if (!TwoStepPolicy.smsAccepted(settings, factors.app())) {
            categories.remove(TwoStepIds.SMS_OTP_CREDENTIAL);
        }
        String met = null;
        if (SecondStepEvidence.anyWithCategory(session, realm, completed(authSession), categories)) {
            met = "second_step";
        } else if (AuthenticatorUtil.getAuthnCredentials(authSession).contains(PASSKEY)) {
            met = "passkey";
        } else if (TrustRules.Verdict.TRUSTED.name().equals(
                authSession.getAuthNote(TwoStepIds.TRUSTED_DEVICE_VERDICT_NOTE))) {
            met = "remembered_device";
        } else if (authSession.getAuthNote(ENROLLING_NOTE) != null) {
            met = "enrolment";
        }
        boolean sso = AuthenticatorUtil.isSSOAuthentication(authSession);
        if (met == null && sso) {
            UserSessionModel userSession = new AuthenticationSessionManager(session).getUserSession(authSession);
            if (userSession != null && userSession.getNote(MET_NOTE) != null
                    && user.getId().equals(userSession.getUser().getId())) {
                return Outcome.MET;
            }
        }
        if (met == null && !factors.app() && !factors.sms()) {
            met = enrolment(session, realm, authSession, user);
            if (met == null) {
                return Outcome.ENROLMENT_UNAVAILABLE;
            }
        }
        if (met == null) {
            return sso ? Outcome.SESSION_WITHOUT_SECOND_STEP : Outcome.NO_SECOND_STEP;
        }
        authSession.setUserSessionNote(MET_NOTE, met);
        return Outcome.MET;
    }

    /**
     * A user with no second factor meets the policy by enrolling in this login, or by postponing it in the grace
     * period (as the enrolment step offers).
     *
     * @return how the policy is met, or {@code null} when the action the method needs is not available
     */
    private static String enrolment(KeycloakSession session, RealmModel realm, AuthenticationSessionModel authSession,
                                    UserModel user) {
        // The grace period counts from the switch-on time, which the first login after an import records.
        TwoStepSettings settings = SwitchOnTime.settingsAtLogin(session, realm);
        Set<String> pending = new HashSet<>(authSession.getRequiredActions());
        user.getRequiredActionsStream().forEach(pending::add);
        String app = UserModel.RequiredAction.CONFIGURE_TOTP.name();
        String sms = TwoStepIds.CONFIGURE_SMS_OTP;
        boolean appAllowed = settings.method() != TwoStepSettings.Method.SMS;
        boolean smsAllowed = settings.method() != TwoStepSettings.Method.OTP;
        // Enrolling first, also in the grace period ("Set up now"): the note lets this login through once the new
        // factor exists, when the check runs again after the set-up and finds a factor that this login did not use.
        if (appAllowed && pending.contains(app) && RequiredActions.enabled(realm, app)
                || smsAllowed && pending.contains(sms) && RequiredActions.enabled(realm, sms)) {
            authSession.setAuthNote(ENROLLING_NOTE, "true");
            return "enrolment";
        }
        TwoStepPolicy.Decision decision = TwoStepPolicy.enrolment(settings, false, false, Time.currentTime());
        if (decision.postponable(Time.currentTime())) {
            return "grace_period";
        }
        String needed = settings.method() == TwoStepSettings.Method.OTP ? app : sms;
        if (!RequiredActions.enabled(realm, needed)) {
            return null;
        }
        if (!needed.equals(app)) {
            authSession.setAuthNote(TwoStepIds.ENROLMENT_CHOICE_NOTE,
                    Boolean.toString(settings.method() == TwoStepSettings.Method.ANY));
        }
        authSession.addRequiredAction(needed);
        authSession.setAuthNote(ENROLLING_NOTE, "true");
        return "enrolment";
    }

    /** Executions that succeeded in this login, and those the SSO session it continues completed. */
    private static Stream<String> completed(AuthenticationSessionModel authSession) {
        return Stream.concat(
                authSession.getExecutionStatus().entrySet().stream()
                        .filter(e -> e.getValue() == AuthenticationSessionModel.ExecutionStatus.SUCCESS)
                        .map(Map.Entry::getKey),
                AuthenticatorUtils.parseCompletedExecutions(
                        authSession.getUserSessionNotes().get(Constants.AUTHENTICATORS_COMPLETED)).keySet().stream());
    }
}
