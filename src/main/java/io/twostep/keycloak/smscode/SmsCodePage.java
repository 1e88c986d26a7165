package io.twostep.keycloak.smscode;

import io.twostep.keycloak.limits.SmsLimiter;
import io.twostep.keycloak.phone.PhoneNumbers;
import io.twostep.keycloak.sms.SmsSendException;
import jakarta.ws.rs.core.Response;
import org.keycloak.common.util.Time;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.utils.FormMessage;

/**
 * The code-entry page ({@value #TEMPLATE}) of one step, shared by the login ({@code sms-otp-form}) and the enrolment
 * ({@code configure-sms-otp}): what it shows after a send, on a reload, after a code was entered, each with the
 * message that fits. The page never sends by itself; only {@link #resend} and the caller's first send do. Message
 * keys live in {@code themes/messages}.
 *
 * @param step      the step whose code the page is about
 * @param form      the request's form, filled with the attributes the template reads when the page is rendered
 * @param e164      the number the code goes to, E.164 with {@code +}; the page shows it masked
 * @param enrolment whether the page is the enrolment's (a number not proven yet) rather than the login's
 */
public record SmsCodePage(SmsCodeStep step, LoginFormsProvider form, String e164, boolean enrolment) {

    /** Template of the code-entry page. */
    public static final String TEMPLATE = "sms-otp-form.ftl";
    /** Name of the code input. */
    public static final String CODE_FIELD = "code";
    /** Name of the "Resend code" button. */
    public static final String RESEND_FIELD = "resend";

    /**
     * What came of an entered code.
     *
     * @param verification the outcome, {@code null} when the input was not a code of the right length at all
     * @param page         the page to show again, {@code null} when the code was accepted
     */
    public record Entry(SmsCodeState.Verification verification, Response page) {

        /** @return whether the code was right (and is now used up) */
        public boolean accepted() {
            return verification == SmsCodeState.Verification.ACCEPTED;
        }

        /** @return whether a real code was compared and was wrong: a failure to record */
        public boolean wrong() {
            return verification == SmsCodeState.Verification.WRONG
                    || verification == SmsCodeState.Verification.WRONG_AND_EXHAUSTED;
        }
    }

    /** @return the page for the code's current state, without sending anything (a reload, a return to the step) */
    public Response current() {
        showState();
        return render();
    }

    /** Says why there is no code to enter, if so; a later {@code setError} replaces it, an {@code addError} adds. */
    private void showState() {
        switch (step.status()) {
            case EXPIRED -> form.setError("twoStepSmsCodeExpired");
            case EXHAUSTED -> form.setError("twoStepSmsCodeExhausted");
            case NONE -> form.setError(noCodeMessage());
            default -> {
            }
        }
    }

    /** @return the page after a send (the first code, or "Resend code") */
    public Response afterSend(SmsCodeStep.SendOutcome outcome) {
        if (outcome instanceof SmsCodeStep.SendOutcome.Sent sent && step.state().sends(step.settings()) > 1) {
            form.setInfo("twoStepSmsNewCodeSent", sent.maskedNumber());
        } else if (outcome instanceof SmsCodeStep.SendOutcome.Cooldown cooldown) {
            form.setError("twoStepSmsCooldown", Integer.toString(cooldown.seconds()));
        } else if (outcome instanceof SmsCodeStep.SendOutcome.CapReached) {
            form.setError("twoStepSmsNoMoreSends");
        } else if (outcome instanceof SmsCodeStep.SendOutcome.Failed failed) {
            form.setError(sendFailureMessage(failed.reason()));
        } else if (outcome instanceof SmsCodeStep.SendOutcome.Limited limited) {
            form.setError(limited.limit() == SmsLimiter.Limit.REALM
                            ? "twoStepSmsRealmPaused" : "twoStepSmsLimitReached",
                    Integer.toString(Math.max(1, (limited.retryAfter() + 59) / 60)));
        } else if (outcome instanceof SmsCodeStep.SendOutcome.Blocked) {
            form.setError("twoStepSmsBlocked");
        } else if (outcome instanceof SmsCodeStep.SendOutcome.NumberNotAllowed) {
            form.setError("twoStepSmsNumberNotAllowed");
        }
        return render();
    }

    /** @return the page after "Resend code": a new code, or why not */
    public Response resend() {
        return afterSend(step.send(e164));
    }

    /**
     * Checks what the user typed: a code of the wrong shape gets "Enter the n-digit code" without counting
     * anything; a code is checked by {@link SmsCodeStep#verify}.
     *
     * @param input the form's {@value #CODE_FIELD}, possibly {@code null}
     * @return the outcome and, unless the code was accepted, the page to show
     */
    public Entry enter(String input) {
        String code = step.normalise(input);
        if (code == null) {
            showState();
            form.addError(new FormMessage(CODE_FIELD, "twoStepSmsCodeMalformed",
                    Integer.toString(step.settings().codeLength())));
            return new Entry(null, render());
        }
        SmsCodeState.Verification verification = step.verify(code, e164);
        return new Entry(verification, verification == SmsCodeState.Verification.ACCEPTED ? null
                : refused(verification));
    }

    /**
     * @param messageKey a message of the login theme
     * @return the page with that error instead of the code's state (e.g. Keycloak's lockout message)
     */
    public Response withError(String messageKey) {
        form.setError(messageKey);
        return render();
    }

    private Response refused(SmsCodeState.Verification verification) {
        switch (verification) {
            case WRONG -> form.addError(new FormMessage(CODE_FIELD, "twoStepSmsWrongCode"));
            case WRONG_AND_EXHAUSTED, EXHAUSTED -> form.setError("twoStepSmsCodeExhausted");
            case EXPIRED -> form.setError("twoStepSmsCodeExpired");
            case NO_CODE -> form.setError(noCodeMessage());
            case DELAYED -> form.setError("twoStepSmsDelayed", Integer.toString(step.failures().waitSeconds()));
            case BLOCKED -> form.setError("twoStepSmsBlocked");
            default -> {
            }
        }
        return render();
    }

    /** Fills what the template reads, as the code stands now (after a send or a check), and renders the page. */
    private Response render() {
        long now = Time.currentTime();
        SmsCodeState state = step.state();
        SmsCodeSettings settings = step.settings();
        return form.setAttribute("twoStepMaskedNumber", PhoneNumbers.mask(e164))
                .setAttribute("twoStepCodeLength", settings.codeLength())
                .setAttribute("twoStepResendWait", state.cooldownRemaining(now, settings))
                .setAttribute("twoStepSendsLeft", state.sendsLeft(settings))
                .setAttribute("twoStepCodeActive", state.status(now, settings) == SmsCodeState.Status.ACTIVE)
                .setAttribute("twoStepEnrolment", enrolment)
                .createForm(TEMPLATE);
    }

    private String noCodeMessage() {
        return step.state().sendsLeft(step.settings()) == 0 ? "twoStepSmsNoMoreSends" : "twoStepSmsNoCode";
    }

    /**
     * @return the message key telling the user what to do about a failed send (docs/security.md S26)
     */
    static String sendFailureMessage(SmsSendException.Reason reason) {
        return switch (reason) {
            case TEMPORARY, PROVIDER_DOWN -> "twoStepSmsSendTemporary";
            case INVALID_NUMBER -> "twoStepSmsSendInvalidNumber";
            case CONFIGURATION -> "twoStepSmsSendConfiguration";
        };
    }
}
