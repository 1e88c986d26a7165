package io.twostep.keycloak.requiredaction;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.credential.SmsOtpCredentialModel;
import io.twostep.keycloak.credential.SmsOtpCredentialProvider;
import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.factorchange.FactorChangingAction;
import io.twostep.keycloak.phone.PhoneNumbers;
import io.twostep.keycloak.phone.PhonePolicy;
import io.twostep.keycloak.phone.RealmPhonePolicy;
import io.twostep.keycloak.policy.TwoStepSettings;
import io.twostep.keycloak.smscode.SmsCodePage;
import io.twostep.keycloak.smscode.SmsCodeSettings;
import io.twostep.keycloak.smscode.SmsCodeStep;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.keycloak.authentication.CredentialRegistrator;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionFactory;
import org.keycloak.credential.CredentialProvider;
import org.keycloak.events.Errors;
import org.keycloak.events.EventType;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionConfigModel;
import org.keycloak.models.RequiredActionProviderModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.FormMessage;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.utils.RequiredActionHelper;

import java.util.Locale;
import java.util.Map;

/**
 * Set up SMS code: the user enters a mobile number (or confirms the one on file), receives a code and enters it;
 * only then is the number bound as an {@code sms-otp} credential and mirrored into
 * {@code phoneNumber}/{@code phoneNumberVerified} (docs/security.md S13). The page recommends an authenticator app
 * and offers it (S15). A user who has a second factor changes or adds one only after using it in this login or SSO
 * session ({@link FactorChangingAction}): a session from a password reset or a remembered device holds the password
 * alone, and with it an attacker could bind their own number (S14, S32).
 */
final class ConfigureSmsOtpRequiredAction extends FactorChangingAction implements CredentialRegistrator {

    static final String PHONE_TEMPLATE = "configure-sms-otp.ftl";
    /** Name of the number input. */
    static final String PHONE_FIELD = TwoStepIds.PHONE_NUMBER;
    private static final String NOTE_PREFIX = "two-step.enrol";
    private static final String PENDING_NUMBER = NOTE_PREFIX + ".number";

    /**
     * Seconds since the last login after which the application-initiated action asks to sign in again: the
     * configured "Maximum age of authentication", else 0 (always). Changing the number is sensitive, and the fresh
     * login runs the current second step, which a remembered device does not skip in account actions.
     */
    @Override
    protected int configuredMaxAuthAge(KeycloakSession session) {
        RealmModel realm = session.getContext().getRealm();
        RequiredActionProviderModel model = RequiredActionHelper.getRequiredActionByProviderId(realm,
                TwoStepIds.CONFIGURE_SMS_OTP);
        RequiredActionConfigModel config = model == null ? null : realm.getRequiredActionConfigByAlias(model.getAlias());
        if (config != null && config.containsConfigKey(Constants.MAX_AUTH_AGE_KEY)) {
            try {
                return Math.max(0, RequiredActionFactory.parseMaxAuthAge(config));
            } catch (NumberFormatException e) {
                return 0; // unreadable (an import skips validation): the strict value
            }
        }
        return 0;
    }

    @Override
    protected void challenge(RequiredActionContext context) {
        String pending = context.getAuthenticationSession().getAuthNote(PENDING_NUMBER);
        if (pending != null) {
            context.challenge(codePage(context, step(context), pending).current());
            return;
        }
        String onFile = numberOnFile(context);
        // Shown masked: this page comes after the password only, before any proof of the phone.
        context.challenge(phonePage(context, onFile == null ? null : PhoneNumbers.mask(onFile), null));
    }

    @Override
    protected void process(RequiredActionContext context) {
        MultivaluedMap<String, String> form = context.getHttpRequest().getDecodedFormParameters();
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        String pending = authSession.getAuthNote(PENDING_NUMBER);

        if (form.containsKey("use-app") && appOffered(context)) {
            // The app's own set-up runs next in this login and is mandatory: no way out without a second factor.
            // Held in this login only: an abandoned login leaves no stray action on the user.
            authSession.addRequiredAction(UserModel.RequiredAction.CONFIGURE_TOTP);
            authSession.removeAuthNote(PENDING_NUMBER);
            context.success();
            return;
        }
        if (form.containsKey("change-number")) {
            authSession.removeAuthNote(PENDING_NUMBER);
            step(context).state().voidCode();
            boolean fromFile = pending != null && pending.equals(numberOnFile(context));
            context.challenge(phonePage(context, fromFile ? PhoneNumbers.mask(pending) : pending, null));
            return;
        }
        if (pending != null && form.containsKey(SmsCodePage.RESEND_FIELD)) {
            context.challenge(codePage(context, step(context), pending).resend());
            return;
        }
        if (pending != null && form.containsKey(SmsCodePage.CODE_FIELD)) {
            verifyCode(context, pending, form.getFirst(SmsCodePage.CODE_FIELD));
            return;
        }
        if (form.containsKey(PHONE_FIELD) || pending == null) {
            startWithNumber(context, form.getFirst(PHONE_FIELD)); // a missing number gets "Enter your mobile number."
            return;
        }
        verifyCode(context, pending, null); // a missing code gets "Enter the 6-digit code"
    }

    /**
     * The app is offered during a login-time enrolment when the realm lets users set it up; not in the
     * application-initiated "change my number" action, where the user came to manage SMS.
     */
    private static boolean appOffered(RequiredActionContext context) {
        boolean applicationInitiated = context.getAuthenticationSession().getClientNote(Constants.KC_ACTION_EXECUTING) != null;
        RequiredActionProviderModel totp = context.getRealm()
                .getRequiredActionProviderByAlias(UserModel.RequiredAction.CONFIGURE_TOTP.name());
        TwoStepSettings policy = TwoStepSettings.of(context.getSession(), context.getRealm());
        // A realm that requires SMS would send an app-only user back here at the next login.
        boolean smsMandatory = policy.required() && policy.method() == TwoStepSettings.Method.SMS;
        return !applicationInitiated && totp != null && totp.isEnabled() && !smsMandatory;
    }

    private void startWithNumber(RequiredActionContext context, String input) {
        String onFile = numberOnFile(context);
        if (onFile != null && input != null && input.strip().equals(PhoneNumbers.mask(onFile))) {
            input = onFile; // the masked number on file, confirmed as shown
        } else if (onFile != null && input != null && PhoneNumbers.isMasked(input)) {
            // A digit changed in the hidden number: say how to change it, and show the number on file again.
            context.challenge(phonePage(context, PhoneNumbers.mask(onFile), "twoStepPhoneMaskedChanged"));
            return;
        }
        PhonePolicy.Result result = RealmPhonePolicy.of(context.getRealm()).check(input);
        if (!result.accepted()) {
            context.challenge(phonePage(context, input, rejectionMessage(result.rejection())));
            return;
        }
        String e164 = result.e164();
        SmsCodeStep step = step(context);
        step.state().voidCode(); // a code sent to an earlier number must never bind this one
        context.getAuthenticationSession().setAuthNote(PENDING_NUMBER, e164);
        context.challenge(codePage(context, step, e164).afterSend(step.send(e164)));
    }

    private void verifyCode(RequiredActionContext context, String pending, String input) {
        SmsCodePage.Entry entry = codePage(context, step(context), pending).enter(input);
        if (!entry.accepted()) {
            if (entry.wrong()) {
                context.getEvent().clone().event(EventType.CUSTOM_REQUIRED_ACTION_ERROR)
                        .detail(TwoStepEvents.EVENT, TwoStepEvents.CODE_REFUSED)
                        .detail(TwoStepEvents.MASKED_NUMBER, PhoneNumbers.mask(pending))
                        .error(Errors.INVALID_CODE);
            }
            context.challenge(entry.page());
            return;
        }
        SmsOtpCredentialProvider credentials = (SmsOtpCredentialProvider) context.getSession()
                .getProvider(CredentialProvider.class, SmsOtpCredentialModel.TYPE);
        String previous = SmsOtpCredentialProvider.boundNumber(context.getUser())
                .map(SmsOtpCredentialModel::phoneNumber).orElse(null);
        credentials.bind(context.getRealm(), context.getUser(), pending);
        context.getAuthenticationSession().removeAuthNote(PENDING_NUMBER);
        // An event of its own: details added to the flow's event would also land on the final LOGIN event.
        var bound = context.getEvent().clone().event(EventType.UPDATE_CREDENTIAL)
                .detail(TwoStepEvents.EVENT, TwoStepEvents.NUMBER_BOUND)
                .detail(TwoStepEvents.CREDENTIAL_TYPE, SmsOtpCredentialModel.TYPE)
                .detail(TwoStepEvents.MASKED_NUMBER, PhoneNumbers.mask(pending));
        if (previous != null) {
            bound.detail(TwoStepEvents.PREVIOUS_MASKED_NUMBER, PhoneNumbers.mask(previous));
        }
        bound.success();
        context.success();
    }

    private Response phonePage(RequiredActionContext context, String prefill, String errorKey) {
        String onFile = numberOnFile(context);
        String defaultRegion = RealmPhonePolicy.of(context.getRealm()).defaultRegion();
        boolean appOffered = appOffered(context);
        var form = context.form()
                .setAttribute("twoStepPhoneValue", prefill == null ? "" : prefill)
                .setAttribute("twoStepPhoneOnFile", prefill != null && onFile != null
                        && prefill.equals(PhoneNumbers.mask(onFile)))
                .setAttribute("twoStepDefaultRegion", defaultRegion == null ? "" : defaultRegion)
                .setAttribute("twoStepAppOffered", appOffered)
                .setAttribute("twoStepChoice", appOffered && "true".equals(context.getAuthenticationSession()
                        .getAuthNote(TwoStepIds.ENROLMENT_CHOICE_NOTE)));
        if (errorKey != null) {
            form.addError(new FormMessage(PHONE_FIELD, errorKey));
        }
        return form.createForm(PHONE_TEMPLATE);
    }

    /** The admin-entered {@code phoneNumber} attribute, when it passes the policy. */
    private String numberOnFile(RequiredActionContext context) {
        String onFile = context.getUser().getFirstAttribute(TwoStepIds.PHONE_NUMBER);
        if (onFile == null) {
            return null;
        }
        PhonePolicy.Result result = RealmPhonePolicy.of(context.getRealm()).check(onFile);
        return result.accepted() ? result.e164() : null;
    }

    /** @return the message key of a refused number, e.g. {@code twoStepPhoneNotMobile} for {@code NOT_MOBILE} */
    static String rejectionMessage(PhonePolicy.Rejection rejection) {
        String name = rejection.name().toLowerCase(Locale.ROOT);
        StringBuilder key = new StringBuilder("twoStepPhone");
        for (String part : name.split("_")) {
            key.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return key.toString();
    }

    private static SmsCodeStep step(RequiredActionContext context) {
        RequiredActionConfigModel config = context.getConfig();
        Map<String, String> values = config == null || config.getConfig() == null ? Map.of() : config.getConfig();
        return SmsCodeStep.of(context.getSession(), context.getRealm(), context.getUser(),
                context.getAuthenticationSession(), context.getEvent(), SmsCodeSettings.from(values), NOTE_PREFIX,
                true);
    }

    private static SmsCodePage codePage(RequiredActionContext context, SmsCodeStep step, String e164) {
        return new SmsCodePage(step, context.form(), e164, true);
    }

    @Override
    public String getCredentialType(KeycloakSession session, AuthenticationSessionModel authenticationSession) {
        return SmsOtpCredentialModel.TYPE;
    }
}
