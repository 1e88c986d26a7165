package io.twostep.keycloak.enforcement;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.metrics.TwoStepMetrics;
import io.twostep.keycloak.policy.SecondFactors;
import io.twostep.keycloak.policy.TwoStepPolicy;
import io.twostep.keycloak.provider.PolicyStepAuthenticator;
import jakarta.ws.rs.core.Response;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.common.util.Time;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;

import java.text.DateFormat;
import java.util.Date;

/**
 * Two-step enrolment: while the toggle is on, a user without the second factor the realm asks for is sent to set it
 * up right after this login's first step (Keycloak's {@code CONFIGURE_TOTP} or {@code configure-sms-otp}, whose page
 * also offers the app when the method is {@code any}). During the grace period the user may choose "Set up later"
 * instead.
 */
final class TwoStepEnrolmentAuthenticator extends PolicyStepAuthenticator {

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

    /** The grace page's answer: "Set up later" while it may, else the set-up. */
    @Override
    public void action(AuthenticationFlowContext context) {
        TwoStepPolicy.Decision decision = decision(context);
        boolean later = context.getHttpRequest().getDecodedFormParameters().containsKey("later");
        if (decision.enrolment() != TwoStepPolicy.Enrolment.NONE) {
            if (later && decision.postponable(Time.currentTime())) {
                count(context, TwoStepMetrics.PolicyOutcome.ENROLMENT_POSTPONED);
            } else if (!schedule(context, decision.enrolment())) {
                return;
            }
        }
        context.success();
    }

    private static TwoStepPolicy.Decision decision(AuthenticationFlowContext context) {
        SecondFactors factors = SecondFactors.of(context.getUser());
        return TwoStepPolicy.enrolment(SwitchOnTime.settingsAtLogin(context.getSession(), context.getRealm()),
                factors.app(), factors.sms(), Time.currentTime());
    }

    /**
     * Keycloak silently skips a required action that is disabled or not registered: the policy would then let
     * the user in with a password alone. Refuse the login instead.
     *
     * @return whether the enrolment could be scheduled
     */
    private static boolean schedule(AuthenticationFlowContext context, TwoStepPolicy.Enrolment enrolment) {
        String action = enrolment == TwoStepPolicy.Enrolment.APP
                ? UserModel.RequiredAction.CONFIGURE_TOTP.name() : TwoStepIds.CONFIGURE_SMS_OTP;
        if (!RequiredActions.enabled(context.getRealm(), action)) {
            context.getEvent().user(context.getUser())
                    .detail(TwoStepEvents.EVENT, TwoStepEvents.ENROLMENT_UNAVAILABLE)
                    .detail(TwoStepEvents.REQUIRED_ACTION, action)
                    .error(TwoStepEvents.ERROR_ENROLMENT_UNAVAILABLE);
            context.failure(AuthenticationFlowError.INTERNAL_ERROR,
                    context.form().setError("twoStepEnrolmentUnavailable")
                            .createErrorPage(Response.Status.FORBIDDEN));
            count(context, TwoStepMetrics.PolicyOutcome.REFUSED_ENROLMENT_UNAVAILABLE);
            return false;
        }
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        if (enrolment == TwoStepPolicy.Enrolment.APP) {
            authSession.addRequiredAction(UserModel.RequiredAction.CONFIGURE_TOTP);
        } else {
            authSession.setAuthNote(TwoStepIds.ENROLMENT_CHOICE_NOTE,
                    Boolean.toString(enrolment == TwoStepPolicy.Enrolment.CHOICE));
            authSession.addRequiredAction(TwoStepIds.CONFIGURE_SMS_OTP);
        }
        count(context, TwoStepMetrics.PolicyOutcome.ENROLMENT_REQUIRED);
        return true;
    }

    private static void count(AuthenticationFlowContext context, TwoStepMetrics.PolicyOutcome outcome) {
        TwoStepMetrics.policy(context.getAuthenticationSession(), context.getRealm().getName(), outcome);
    }
}
