package io.twostep.keycloak.policy;

import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowError;
import jakarta.ws.rs.core.Response;
import io.twostep.keycloak.requiredaction.ConfigureSmsOtpFactory;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.Authenticator;
import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.sessions.AuthenticationSessionModel;

import java.text.DateFormat;
import java.util.Date;

/**
 * {@code two-step-enrolment} ("Two-step enrolment"): while the toggle is on, a user without the second factor the
 * realm asks for is sent to set it up right after this login's first step (Keycloak's {@code CONFIGURE_TOTP} or
 * {@code configure-sms-otp}, whose page also offers the app when the method is {@code any}). During the grace
 * period the user may choose "Set up later" instead.
 */
public final class TwoStepEnrolmentAuthenticatorFactory extends PolicyStepFactory implements Authenticator {

    /** Provider id. */
    public static final String ID = "two-step-enrolment";
    private static final Logger LOG = Logger.getLogger(TwoStepEnrolmentAuthenticatorFactory.class);
    /** Auth note telling the SMS enrolment page that the user chooses between app and SMS. */
    public static final String CHOICE_NOTE = "two-step.enrolment.choice";
    static final String TEMPLATE = "two-step-enrolment.ftl";

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        TwoStepPolicy.Decision decision = decision(context);
        if (decision.enrolment() == TwoStepPolicy.Enrolment.NONE) {
            context.success();
            return;
        }
        if (decision.postponable(Time.currentTime())) {
            String until = DateFormat.getDateInstance(DateFormat.LONG,
                    context.getSession().getContext().resolveLocale(context.getUser()))
                    .format(new Date(decision.postponeUntil() * 1000L));
            context.challenge(context.form().setAttribute("twoStepGraceUntil", until).createForm(TEMPLATE));
            return;
        }
        if (schedule(context, decision.enrolment())) {
            context.success();
        }
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        TwoStepPolicy.Decision decision = decision(context);
        boolean later = context.getHttpRequest().getDecodedFormParameters().containsKey("later");
        if (decision.enrolment() != TwoStepPolicy.Enrolment.NONE
                && !(later && decision.postponable(Time.currentTime()))
                && !schedule(context, decision.enrolment())) {
            return;
        }
        context.success();
    }

    private static TwoStepPolicy.Decision decision(AuthenticationFlowContext context) {
        SecondFactors factors = SecondFactors.of(context.getUser());
        return TwoStepPolicy.enrolment(settingsWithSwitchOnTime(context.getSession(), context.getRealm()),
                factors.app(), factors.sms(), Time.currentTime());
    }

    /**
     * The grace period counts from {@code twoStep.requiredSince}, which the admin REST API and the tab record. A
     * realm imported with the toggle on has none, and a raw attribute write may leave one in the future (an endless
     * grace period): the first login that meets the toggle then records now as the switch-on time.
     */
    static TwoStepSettings settingsWithSwitchOnTime(KeycloakSession session, RealmModel realm) {
        TwoStepSettings settings = TwoStepSettings.fromAttributes(realm.getAttributes());
        long now = Time.currentTime();
        if (settings.required() && (settings.requiredSince() <= 0
                || settings.requiredSince() > now + TwoStepPolicy.CLOCK_SKEW_SECONDS)) {
            // If it cannot be recorded, no grace period: "Set up later" must not last for ever.
            long since = recordSwitchOnTime(session, realm.getId(), now) ? now : 0;
            return new TwoStepSettings(true, settings.method(), settings.trustedDeviceDays(),
                    settings.enrolmentGraceDays(), since);
        }
        return settings;
    }

    /**
     * Writes the switch-on time in a transaction of its own: simultaneous first logins would otherwise collide on
     * the same new attribute row and fail. The first write wins; the others change nothing.
     *
     * @return whether the time is recorded (by this login or one before it)
     */
    private static boolean recordSwitchOnTime(KeycloakSession session, String realmId, long now) {
        try {
            KeycloakModelUtils.runJobInTransaction(session.getKeycloakSessionFactory(), inner -> {
                RealmModel realm = inner.realms().getRealm(realmId);
                TwoStepSettings current = TwoStepSettings.fromAttributes(realm.getAttributes());
                if (current.requiredSince() <= 0 || current.requiredSince() > now + TwoStepPolicy.CLOCK_SKEW_SECONDS) {
                    realm.setAttribute(TwoStepSettings.REQUIRED_SINCE, Long.toString(now));
                }
            });
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("Could not record the two-step switch-on time of realm %s (%s); no grace period for this login",
                    realmId, e.getMessage());
            return false;
        }
    }

    /**
     * Keycloak silently skips a required action that is disabled or not registered: the policy would then let
     * the user in with a password alone. Refuse the login instead.
     *
     * @return whether the enrolment could be scheduled
     */
    private static boolean schedule(AuthenticationFlowContext context, TwoStepPolicy.Enrolment enrolment) {
        String action = enrolment == TwoStepPolicy.Enrolment.APP
                ? UserModel.RequiredAction.CONFIGURE_TOTP.name() : ConfigureSmsOtpFactory.ID;
        boolean available = context.getRealm().getRequiredActionProvidersStream()
                .anyMatch(a -> a.isEnabled() && (action.equals(a.getProviderId()) || action.equals(a.getAlias())));
        if (!available) {
            context.getEvent().user(context.getUser()).detail("two_step_event", "enrolment_unavailable")
                    .detail("required_action", action).error("two_step_enrolment_unavailable");
            context.failure(AuthenticationFlowError.INTERNAL_ERROR,
                    context.form().setError("twoStepEnrolmentUnavailable")
                            .createErrorPage(Response.Status.FORBIDDEN));
            return false;
        }
        addRequiredAction(context, enrolment);
        return true;
    }

    private static void addRequiredAction(AuthenticationFlowContext context, TwoStepPolicy.Enrolment enrolment) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        if (enrolment == TwoStepPolicy.Enrolment.APP) {
            authSession.addRequiredAction(UserModel.RequiredAction.CONFIGURE_TOTP);
            return;
        }
        authSession.setAuthNote(CHOICE_NOTE, Boolean.toString(enrolment == TwoStepPolicy.Enrolment.CHOICE));
        authSession.addRequiredAction(ConfigureSmsOtpFactory.ID);
    }

    @Override
    public Authenticator create(KeycloakSession session) {
        return this;
    }

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getDisplayType() {
        return "Two-step enrolment";
    }

    @Override
    public String getReferenceCategory() {
        return null;
    }

    @Override
    public String getHelpText() {
        return "Sends users without the second factor the realm requires to set it up (two-step policy).";
    }

}
