package io.twostep.keycloak.authenticator;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.credential.SmsOtpCredentialModel;
import io.twostep.keycloak.credential.SmsOtpCredentialProvider;
import io.twostep.keycloak.events.LoginEventDetails;
import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.phone.PhoneNumbers;
import io.twostep.keycloak.policy.SecondFactors;
import io.twostep.keycloak.policy.TwoStepPolicy;
import io.twostep.keycloak.policy.TwoStepSettings;
import io.twostep.keycloak.smscode.SmsCodePage;
import io.twostep.keycloak.smscode.SmsCodeSettings;
import io.twostep.keycloak.smscode.SmsCodeState;
import io.twostep.keycloak.smscode.SmsCodeStep;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.UriInfo;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.CredentialValidator;
import org.keycloak.authentication.authenticators.util.AuthenticatorUtils;
import org.keycloak.common.ClientConnection;
import org.keycloak.credential.CredentialProvider;
import org.keycloak.events.Errors;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.OTPCredentialModel;
import org.keycloak.services.managers.BruteForceProtector;

import java.util.Optional;
import java.util.Set;

/**
 * The SMS OTP Form: after the first factor, texts a one-time code to the user's bound number and checks it. A page
 * reload shows the form again without sending; "Resend code" obeys a cooldown and a per-login cap. Wrong codes are
 * reported to Keycloak's brute-force detector under the {@code otp} category, because the detector ignores any other
 * category (docs/design.md, "Keycloak facts that bite").
 */
final class SmsOtpFormAuthenticator implements Authenticator, CredentialValidator<SmsOtpCredentialProvider> {

    /** Separates the login's code notes from the enrolment's in the same authentication session. */
    static final String NOTE_PREFIX = "two-step.login";

    /**
     * Whether the server's brute-force detector takes authentication categories ({@code failedLogin} with a set of
     * categories, Keycloak 26.7 and later) and so ignores failures reported under other categories.
     */
    private static final boolean DETECTOR_HAS_CATEGORIES = detectorHasCategories();

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        String number = boundNumber(context);
        if (number == null) {
            return;
        }
        SmsCodeStep step = step(context);
        SmsCodePage page = new SmsCodePage(step, context.form(), number, false);
        if (lockedOut(context, page)) {
            return;
        }
        if (step.status() == SmsCodeState.Status.NONE && step.state().sends(step.settings()) == 0) {
            context.challenge(page.afterSend(step.send(number)));
            return;
        }
        context.challenge(page.current()); // a reload or a return to this step: never send
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        String number = boundNumber(context);
        if (number == null) {
            return;
        }
        SmsCodePage page = new SmsCodePage(step(context), context.form(), number, false);
        if (lockedOut(context, page)) {
            return;
        }
        MultivaluedMap<String, String> form = context.getHttpRequest().getDecodedFormParameters();
        if (form.containsKey(SmsCodePage.RESEND_FIELD)) {
            context.challenge(page.resend());
            return;
        }
        SmsCodePage.Entry entry = page.enter(form.getFirst(SmsCodePage.CODE_FIELD));
        if (entry.accepted()) {
            LoginEventDetails.add(context, TwoStepEvents.EVENT, TwoStepEvents.CODE_ACCEPTED);
            LoginEventDetails.add(context, TwoStepEvents.CREDENTIAL_TYPE, SmsOtpCredentialModel.TYPE);
            LoginEventDetails.add(context, TwoStepEvents.MASKED_NUMBER, PhoneNumbers.mask(number));
            context.success(SmsOtpCredentialModel.TYPE);
        } else if (entry.wrong()) {
            reportFailureToBruteForce(context);
            context.getEvent().user(context.getUser())
                    .detail(TwoStepEvents.EVENT, TwoStepEvents.CODE_REFUSED)
                    .detail(TwoStepEvents.CREDENTIAL_TYPE, SmsOtpCredentialModel.TYPE)
                    .error(Errors.INVALID_USER_CREDENTIALS);
            context.failureChallenge(AuthenticationFlowError.INVALID_CREDENTIALS, entry.page());
        } else {
            context.challenge(entry.page());
        }
    }

    /**
     * @return the user's bound number; {@code null} after failing the step for a user without one (never
     *         {@code attempted()}: an ATTEMPTED required execution counts as passed)
     */
    private static String boundNumber(AuthenticationFlowContext context) {
        Optional<SmsOtpCredentialModel> bound = SmsOtpCredentialProvider.boundNumber(context.getUser());
        if (bound.isEmpty()) {
            context.failure(AuthenticationFlowError.CREDENTIAL_SETUP_REQUIRED);
            return null;
        }
        return bound.get().phoneNumber();
    }

    private static SmsCodeStep step(AuthenticationFlowContext context) {
        SmsCodeSettings settings = SmsCodeSettings.from(
                context.getAuthenticatorConfig() == null ? null : context.getAuthenticatorConfig().getConfig());
        return SmsCodeStep.of(context.getSession(), context.getRealm(), context.getUser(),
                context.getAuthenticationSession(), context.getEvent(), settings, NOTE_PREFIX, false);
    }

    /**
     * Keycloak's lockout (temporary or permanent) stops the step before any SMS is sent or code checked. Like the
     * built-in OTP form, the page says only "Invalid authenticator code." so a locked account is not revealed.
     *
     * @return {@code true} when the user is locked out and the page was set
     */
    private static boolean lockedOut(AuthenticationFlowContext context, SmsCodePage page) {
        String error = AuthenticatorUtils.getDisabledByBruteForceEventError(context, context.getUser());
        if (error == null) {
            return false;
        }
        context.getEvent().user(context.getUser()).error(error);
        context.forceChallenge(page.withError(Errors.USER_TEMPORARILY_DISABLED.equals(error)
                ? "accountTemporarilyDisabledMessageTotp" : "accountPermanentlyDisabledMessageTotp"));
        return true;
    }

    /**
     * The detector only counts categories {@code password}, {@code otp}, {@code recovery-authn-codes}, so the
     * failure is reported under {@code otp}. Keycloak before 26.7 has no categories: there the failure challenge
     * that follows is counted by Keycloak itself (every failed execution counts), and reporting it here too would
     * count one wrong code twice within milliseconds, which its quick-login check punishes with a lockout.
     */
    private static void reportFailureToBruteForce(AuthenticationFlowContext context) {
        RealmModel realm = context.getRealm();
        if (realm.isBruteForceProtected() && DETECTOR_HAS_CATEGORIES) {
            context.getProtector().failedLogin(realm, context.getUser(), context.getConnection(),
                    context.getUriInfo(), Set.of(OTPCredentialModel.TYPE));
        }
    }

    private static boolean detectorHasCategories() {
        try {
            BruteForceProtector.class.getMethod("failedLogin", RealmModel.class, UserModel.class,
                    ClientConnection.class, UriInfo.class, Set.class);
            return true;
        } catch (NoSuchMethodException before26dot7) {
            return false;
        }
    }

    @Override
    public boolean requiresUser() {
        return true;
    }

    /** A realm that requires the authenticator app takes an SMS code only from users still to set the app up. */
    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return SmsOtpCredentialProvider.boundNumber(user).isPresent()
                && TwoStepPolicy.smsAccepted(TwoStepSettings.of(session, realm), SecondFactors.of(user).app());
    }

    @Override
    public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
        var authSession = session.getContext().getAuthenticationSession();
        if (authSession != null && !authSession.getRequiredActions().contains(TwoStepIds.CONFIGURE_SMS_OTP)) {
            authSession.addRequiredAction(TwoStepIds.CONFIGURE_SMS_OTP);
        }
    }

    /**
     * Keycloak picks the default factor and the "Try another way" options by matching the user's stored credential
     * types against this type. Where the realm requires the app, a type no user has keeps SMS out of that choice.
     */
    @Override
    public String getType(KeycloakSession session) {
        RealmModel realm = session.getContext().getRealm();
        var authSession = session.getContext().getAuthenticationSession();
        UserModel user = authSession == null ? null : authSession.getAuthenticatedUser();
        boolean hasApp = user == null || SecondFactors.of(user).app();
        return realm != null && !TwoStepPolicy.smsAccepted(TwoStepSettings.of(session, realm), hasApp)
                ? SmsOtpCredentialModel.TYPE + ":not-accepted-by-policy" : SmsOtpCredentialModel.TYPE;
    }

    @Override
    public SmsOtpCredentialProvider getCredentialProvider(KeycloakSession session) {
        return (SmsOtpCredentialProvider) session.getProvider(CredentialProvider.class, SmsOtpCredentialModel.TYPE);
    }

    @Override
    public void close() {
    }
}
