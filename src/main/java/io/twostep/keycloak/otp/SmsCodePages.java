package io.twostep.keycloak.otp;

import io.twostep.keycloak.phone.PhoneNumbers;
import io.twostep.keycloak.sms.SmsSendException;
import jakarta.ws.rs.core.Response;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.utils.FormMessage;

/**
 * Fills {@value #TEMPLATE}, the code-entry page shared by login and enrolment, with the message that fits what
 * just happened. Message keys live in {@code theme-resources/messages}.
 */
public final class SmsCodePages {

    /** Template of the code-entry page. */
    public static final String TEMPLATE = "sms-otp-form.ftl";
    /** Name of the code input. */
    public static final String CODE_FIELD = "code";

    private SmsCodePages() {
    }

    /** @return the page after a send was requested (first code or "Resend code") */
    public static LoginFormsProvider afterSend(SmsCodeStep step, LoginFormsProvider form,
                                               SmsCodeStep.SendOutcome outcome, String e164, boolean enrolment) {
        fill(step, form, e164, enrolment);
        if (outcome instanceof SmsCodeStep.SendOutcome.Sent sent && step.state().sends(step.settings()) > 1) {
            form.setInfo("twoStepSmsNewCodeSent", sent.maskedNumber());
        } else if (outcome instanceof SmsCodeStep.SendOutcome.Cooldown cooldown) {
            form.setError("twoStepSmsCooldown", Integer.toString(cooldown.seconds()));
        } else if (outcome instanceof SmsCodeStep.SendOutcome.CapReached) {
            form.setError("twoStepSmsNoMoreSends");
        } else if (outcome instanceof SmsCodeStep.SendOutcome.Failed failed) {
            form.setError(sendFailureMessage(failed.reason()));
        } else if (outcome instanceof SmsCodeStep.SendOutcome.Limited limited) {
            form.setError(limited.limit() == io.twostep.keycloak.limits.SmsLimiter.Limit.REALM
                    ? "twoStepSmsRealmPaused" : "twoStepSmsLimitReached", minutes(limited.retryAfter()));
        } else if (outcome instanceof SmsCodeStep.SendOutcome.Blocked) {
            form.setError("twoStepSmsBlocked");
        } else if (outcome instanceof SmsCodeStep.SendOutcome.NumberNotAllowed) {
            form.setError("twoStepSmsNumberNotAllowed");
        }
        return form;
    }

    /** @return the page for the code's current state, without sending anything (reloads, returns) */
    public static LoginFormsProvider forStatus(SmsCodeStep step, LoginFormsProvider form, String e164,
                                               boolean enrolment) {
        fill(step, form, e164, enrolment);
        switch (step.status()) {
            case EXPIRED -> form.setError("twoStepSmsCodeExpired");
            case EXHAUSTED -> form.setError("twoStepSmsCodeExhausted");
            case NONE -> form.setError(step.state().sendsLeft(step.settings()) == 0
                    ? "twoStepSmsNoMoreSends" : "twoStepSmsNoCode");
            default -> {
            }
        }
        return form;
    }

    /** @return the page after a code was entered and refused */
    public static LoginFormsProvider afterVerification(SmsCodeStep step, LoginFormsProvider form, String e164,
                                                       SmsCodeState.Verification verification, boolean enrolment) {
        fill(step, form, e164, enrolment);
        switch (verification) {
            case WRONG -> form.addError(new FormMessage(CODE_FIELD, "twoStepSmsWrongCode"));
            case WRONG_AND_EXHAUSTED, EXHAUSTED -> form.setError("twoStepSmsCodeExhausted");
            case EXPIRED -> form.setError("twoStepSmsCodeExpired");
            case NO_CODE -> form.setError(step.state().sendsLeft(step.settings()) == 0
                    ? "twoStepSmsNoMoreSends" : "twoStepSmsNoCode");
            case DELAYED -> form.setError("twoStepSmsDelayed", Integer.toString(step.failures().waitSeconds()));
            case BLOCKED -> form.setError("twoStepSmsBlocked");
            default -> {
            }
        }
        return form;
    }

    private static String minutes(int seconds) {
        return Integer.toString(Math.max(1, (seconds + 59) / 60));
    }

    /** @return the filled form rendered */
    public static Response render(LoginFormsProvider form) {
        return form.createForm(TEMPLATE);
    }

    /**
     * @return the message key telling the user what to do about a failed send (SECURITY.md S26)
     */
    public static String sendFailureMessage(SmsSendException.Reason reason) {
        return switch (reason) {
            case TEMPORARY, PROVIDER_DOWN -> "twoStepSmsSendTemporary";
            case INVALID_NUMBER -> "twoStepSmsSendInvalidNumber";
            case CONFIGURATION -> "twoStepSmsSendConfiguration";
        };
    }

    private static void fill(SmsCodeStep step, LoginFormsProvider form, String e164, boolean enrolment) {
        step.fill(form, PhoneNumbers.mask(e164)).setAttribute("twoStepEnrolment", enrolment);
    }
}
