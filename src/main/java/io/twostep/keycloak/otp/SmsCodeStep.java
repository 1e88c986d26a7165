package io.twostep.keycloak.otp;

import io.twostep.keycloak.limits.SingleUseSlots;
import io.twostep.keycloak.limits.SmsLimiter;
import io.twostep.keycloak.metrics.TwoStepMetrics;
import io.twostep.keycloak.phone.PhoneNumbers;
import io.twostep.keycloak.requiredaction.ConfigureSmsOtpFactory;
import io.twostep.keycloak.sms.SentSms;
import io.twostep.keycloak.sms.SmsSendException;
import io.twostep.keycloak.sms.SmsSender;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.common.util.SecretGenerator;
import org.keycloak.common.util.Time;
import org.keycloak.crypto.Algorithm;
import org.keycloak.crypto.KeyUse;
import org.keycloak.crypto.KeyWrapper;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.urls.UrlType;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * Sends and checks SMS codes for one authentication session: the Keycloak plumbing around {@link SmsCodeState}.
 * Used by the {@code sms-otp-form} authenticator and the {@code configure-sms-otp} required action.
 */
public final class SmsCodeStep {

    /** Outcome of {@link #send}. */
    public sealed interface SendOutcome {
        record Sent(String maskedNumber) implements SendOutcome {
        }

        record Cooldown(int seconds) implements SendOutcome {
        }

        record CapReached() implements SendOutcome {
        }

        record Failed(SmsSendException.Reason reason) implements SendOutcome {
        }

        /** A server-wide limit (user, number, IP or realm budget) is spent for {@code retryAfter} seconds. */
        record Limited(SmsLimiter.Limit limit, int retryAfter) implements SendOutcome {
        }

        /** The SMS factor is blocked for this account after too many wrong codes. */
        record Blocked(int seconds) implements SendOutcome {
        }

        /** The realm's phone policy (type, allowed regions) no longer admits the number. */
        record NumberNotAllowed() implements SendOutcome {
        }
    }

    /** Longest code input looked at, in characters; longer input is refused as malformed. */
    private static final int MAX_INPUT = 64;
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    private static final Pattern TAGS = Pattern.compile("<[^>]*>");
    private static final Logger LOG = Logger.getLogger(SmsCodeStep.class);
    private static final AtomicBoolean HOST_WARNING = new AtomicBoolean();

    private final KeycloakSession session;
    private final RealmModel realm;
    private final UserModel user;
    private final SmsCodeSettings settings;
    private final SmsCodeState state;
    private final String sessionBinding;
    private final boolean enrolment;
    private SmsLimiter.FailureStatus failures;

    /**
     * @param notePrefix separates this step's notes from another step's in the same authentication session
     * @param enrolment  whether codes go to a number not proven yet (enrolment) rather than a bound one (login)
     */
    public SmsCodeStep(KeycloakSession session, RealmModel realm, UserModel user,
                       AuthenticationSessionModel authSession, SmsCodeSettings settings, String notePrefix,
                       boolean enrolment) {
        this.session = session;
        this.realm = realm;
        this.user = user;
        this.settings = settings;
        this.sessionBinding = authSession.getParentSession().getId() + "/" + authSession.getTabId() + "/" + notePrefix;
        this.state = new SmsCodeState(new AuthNotes(authSession), new SingleUseSlots(session),
                "two-step.code." + sessionBinding, notePrefix);
        this.enrolment = enrolment;
    }

    /** @return the settings in force */
    public SmsCodeSettings settings() {
        return settings;
    }

    /** @return the persisted state of this step's code */
    public SmsCodeState state() {
        return state;
    }

    /** @return where the current code stands now */
    public SmsCodeState.Status status() {
        return state.status(Time.currentTime(), settings);
    }

    /**
     * Sends a fresh code to {@code e164} unless the cooldown or the per-login cap forbids it. Emits an event either
     * way (code sent with masked number and message id, or send failed with the reason).
     *
     * @param e164  destination, E.164 with {@code +}
     * @param event the flow's event builder; cloned, not changed
     * @return what happened
     */
    public SendOutcome send(String e164, EventBuilder event) {
        long now = Time.currentTime();
        SmsCodeState.SendDecision decision = state.claimSend(now, settings);
        if (decision instanceof SmsCodeState.SendDecision.Cooldown cooldown) {
            return new SendOutcome.Cooldown(cooldown.seconds());
        }
        if (decision instanceof SmsCodeState.SendDecision.CapReached) {
            return new SendOutcome.CapReached();
        }
        int slot = ((SmsCodeState.SendDecision.Allowed) decision).slot();
        String masked = PhoneNumbers.mask(e164);
        String country = PhoneNumbers.callingCode(e164);
        SendOutcome refused = refusal(e164, masked, event);
        if (refused != null) {
            state.releaseSend(slot, settings); // nothing was sent: this login keeps the send
            if (refused instanceof SendOutcome.Limited limited) {
                TwoStepMetrics.smsLimited(realm.getName(), country, limited.limit().name().toLowerCase(Locale.ROOT));
            } else if (refused instanceof SendOutcome.Blocked) {
                TwoStepMetrics.smsLimited(realm.getName(), country, "blocked");
            } else {
                TwoStepMetrics.smsSendFailed(realm.getName(), country, "number_not_allowed");
            }
            return refused;
        }
        state.recordSendAttempt(slot, now, settings);
        String code = SecretGenerator.getInstance().randomString(settings.codeLength(), SecretGenerator.DIGITS);
        Duration gatewayTime = null;
        try {
            CodeHasher hasher = hasher();
            String text = smsText(code);
            SmsSender sender = session.getProvider(SmsSender.class);
            if (sender == null) {
                throw new SmsSendException(SmsSendException.Reason.CONFIGURATION, "no sms-sender provider is enabled");
            }
            long started = System.nanoTime();
            SentSms sent;
            try {
                sent = sender.send(e164, text);
            } catch (RuntimeException e) {
                // A sender's own fault must not become a 500 on the login page.
                throw new SmsSendException(SmsSendException.Reason.PROVIDER_DOWN,
                        "sms sender failed: " + e.getClass().getSimpleName());
            } finally {
                gatewayTime = Duration.ofNanos(System.nanoTime() - started);
            }
            TwoStepMetrics.gatewayAnswered(gatewayTime, true);
            TwoStepMetrics.smsSent(realm.getName(), country);
            state.recordIssued(slot, hasher.hash(binding(e164), code), now, settings);
            event.clone().event(EventType.CUSTOM_REQUIRED_ACTION).user(user)
                    .detail(TwoStepEvents.EVENT, TwoStepEvents.CODE_SENT)
                    .detail(TwoStepEvents.MASKED_NUMBER, masked)
                    .detail(TwoStepEvents.MESSAGE_ID, sent.messageId())
                    .success();
            return new SendOutcome.Sent(masked);
        } catch (SmsSendException e) {
            if (gatewayTime != null) {
                TwoStepMetrics.gatewayAnswered(gatewayTime, false);
            }
            TwoStepMetrics.smsSendFailed(realm.getName(), country, e.getReason().eventValue());
            LOG.warnf("SMS to %s for user %s in realm %s not sent: %s (%s)", masked, user.getId(), realm.getName(),
                    e.getReason().eventValue(), e.getMessage());
            event.clone().event(EventType.CUSTOM_REQUIRED_ACTION_ERROR).user(user)
                    .detail(TwoStepEvents.EVENT, TwoStepEvents.SEND_FAILED)
                    .detail(TwoStepEvents.MASKED_NUMBER, masked)
                    .detail(TwoStepEvents.REASON, e.getReason().eventValue())
                    .error(TwoStepEvents.ERROR_SEND_FAILED);
            return new SendOutcome.Failed(e.getReason());
        }
    }

    /**
     * The checks beyond this login's own sends, in order: the realm's phone policy, the account's wrong-code block,
     * the hourly budgets (which count the SMS when they let it go).
     *
     * @return why the SMS must not go out (with its event emitted), or {@code null} when it may
     */
    private SendOutcome refusal(String e164, String masked, EventBuilder event) {
        if (!ConfigureSmsOtpFactory.phonePolicy(realm).check(e164).accepted()) {
            event.clone().event(EventType.CUSTOM_REQUIRED_ACTION_ERROR).user(user)
                    .detail(TwoStepEvents.EVENT, TwoStepEvents.SEND_FAILED)
                    .detail(TwoStepEvents.MASKED_NUMBER, masked)
                    .detail(TwoStepEvents.REASON, "number_not_allowed")
                    .error(TwoStepEvents.ERROR_SEND_FAILED);
            return new SendOutcome.NumberNotAllowed();
        }
        SmsLimiter.FailureStatus failures = limiter().failures(realm, user);
        if (failures.blocked()) {
            return new SendOutcome.Blocked(failures.waitSeconds());
        }
        SmsLimiter.SendDecision allowed = limiter().trySend(realm, user, e164,
                session.getContext().getConnection().getRemoteAddr(), enrolment);
        if (allowed.allowed()) {
            return null;
        }
        String limit = allowed.limit().name().toLowerCase(Locale.ROOT);
        LOG.warnf("SMS limit '%s' reached for user %s in realm %s; next window in %d s", limit, user.getId(),
                realm.getName(), allowed.retryAfter());
        event.clone().event(EventType.CUSTOM_REQUIRED_ACTION_ERROR).user(user)
                .detail(TwoStepEvents.EVENT, TwoStepEvents.LIMIT_HIT)
                .detail(TwoStepEvents.LIMIT, limit)
                .detail(TwoStepEvents.MASKED_NUMBER, masked)
                .error(allowed.limit() == SmsLimiter.Limit.REALM
                        ? TwoStepEvents.ERROR_REALM_BUDGET_SPENT : TwoStepEvents.ERROR_LIMIT_REACHED);
        return new SendOutcome.Limited(allowed.limit(), allowed.retryAfter());
    }

    /**
     * @param input what the user typed, possibly {@code null}
     * @return the digits without spaces when they have the configured length, otherwise {@code null}
     */
    public String normalise(String input) {
        if (input == null || input.length() > MAX_INPUT) {
            return null;
        }
        StringBuilder ascii = new StringBuilder();
        for (char c : input.toCharArray()) {
            if (Character.isDigit(c)) {
                ascii.append(Character.forDigit(Character.digit(c, 10), 10)); // any script's digits, e.g. ١٢٣
            } else if (c != ' ' && c != '-') {
                ascii.append(c);
            }
        }
        String digits = ascii.toString();
        return digits.length() == settings.codeLength() && DIGITS.matcher(digits).matches() ? digits : null;
    }

    /**
     * Checks a well-formed code (see {@link #normalise}) against the stored hash. Wrong codes also count on the
     * account (across codes, resends and logins; NIST SP 800-63B §3.2.2), which delays and finally blocks further
     * tries; a correct code clears that count.
     *
     * @param code  digits of the configured length
     * @param e164  the number the code must have been sent to; a code sent to another number never matches
     * @param event the flow's event builder, for the block event; cloned, not changed
     * @return the outcome; a correct code is used up
     */
    public SmsCodeState.Verification verify(String code, String e164, EventBuilder event) {
        SmsCodeState.Verification verification = check(code, e164, event);
        TwoStepMetrics.codeEntered(realm.getName(), enrolment, verification.name().toLowerCase(Locale.ROOT)
                .replace("wrong_and_exhausted", "wrong"));
        return verification;
    }

    private SmsCodeState.Verification check(String code, String e164, EventBuilder event) {
        failures = limiter().failures(realm, user);
        if (failures.blocked()) {
            return SmsCodeState.Verification.BLOCKED;
        }
        if (status() != SmsCodeState.Status.ACTIVE) {
            // No code to guess at: say why (expired, used up, none) without counting anything.
            return state.verify(hash -> false, Time.currentTime(), settings);
        }
        SmsLimiter.Attempt attempt = limiter().beginAttempt(realm, user);
        if (attempt.refusal() != null) {
            failures = attempt.refusal();
            return failures.blocked() ? SmsCodeState.Verification.BLOCKED : SmsCodeState.Verification.DELAYED;
        }
        CodeHasher hasher = hasher();
        SmsCodeState.Verification verification =
                state.verify(hash -> hasher.matches(hash, binding(e164), code), Time.currentTime(), settings);
        if (verification == SmsCodeState.Verification.ACCEPTED) {
            attempt.right();
            failures = new SmsLimiter.FailureStatus(0, false, 0);
        } else {
            // Every try the account reserved stays counted unless the code was right, even one that found the
            // code used up by a concurrent request.
            failures = attempt.wrong();
            if (failures.blocked() && failures.failures() == limiter().settings().failuresBeforeBlock()) {
                event.clone().event(EventType.CUSTOM_REQUIRED_ACTION_ERROR).user(user)
                        .detail(TwoStepEvents.EVENT, TwoStepEvents.FACTOR_BLOCKED)
                        .error(TwoStepEvents.ERROR_FACTOR_BLOCKED);
            }
        }
        return verification;
    }

    /** @return the account's wrong-code standing as of the last {@link #verify} */
    public SmsLimiter.FailureStatus failures() {
        return failures == null ? limiter().failures(realm, user) : failures;
    }

    private SmsLimiter limiter() {
        return session.getProvider(SmsLimiter.class);
    }

    /** A code belongs to one authentication session, one tab, one step and one destination number. */
    private String binding(String e164) {
        return sessionBinding + "/" + e164;
    }

    /**
     * Fills the attributes {@code sms-otp-form.ftl} reads.
     *
     * @param form         the form to fill
     * @param maskedNumber number to show, already masked
     */
    public LoginFormsProvider fill(LoginFormsProvider form, String maskedNumber) {
        long now = Time.currentTime();
        return form.setAttribute("twoStepMaskedNumber", maskedNumber)
                .setAttribute("twoStepCodeLength", settings.codeLength())
                .setAttribute("twoStepResendWait", state.cooldownRemaining(now, settings))
                .setAttribute("twoStepSendsLeft", state.sendsLeft(settings))
                .setAttribute("twoStepCodeActive", state.status(now, settings) == SmsCodeState.Status.ACTIVE);
    }

    private CodeHasher hasher() {
        KeyWrapper key = session.keys().getActiveKey(realm, KeyUse.SIG, Algorithm.HS512);
        if (key == null || key.getSecretKey() == null) {
            throw new IllegalStateException("realm " + realm.getName() + " has no active HS512 key");
        }
        return new CodeHasher(key.getSecretKey());
    }

    private String smsText(String code) throws SmsSendException {
        Locale locale = session.getContext().resolveLocale(user);
        String pattern;
        try {
            pattern = SmsTextPatterns.pattern(session, realm, locale);
        } catch (IOException e) {
            throw new SmsSendException(SmsSendException.Reason.CONFIGURATION, "login theme messages unreadable");
        }
        String brand = realm.getDisplayName() == null || realm.getDisplayName().isBlank()
                ? realm.getName() : TAGS.matcher(realm.getDisplayName()).replaceAll("");
        return SmsText.format(pattern, locale, brand, code, settings.codeTtlSeconds(), configuredHost());
    }

    /**
     * The host users log in at, for the SMS's origin-bound last line, only where configuration fixes it: the realm's
     * frontend URL, or the server's {@code hostname} option. Without either, Keycloak takes the host from the
     * request's {@code Host} header, which anyone can set: then the line is left out (and a warning logged once).
     *
     * @return the host name, or {@code null}
     */
    private String configuredHost() {
        String frontendUrl = realm.getAttribute("frontendUrl");
        boolean fixed = (frontendUrl != null && !frontendUrl.isBlank())
                || !isBlank(Config.scope("hostname", "v2").get("hostname"));
        if (fixed) {
            return session.getContext().getUri(UrlType.FRONTEND).getBaseUri().getHost();
        }
        if (HOST_WARNING.compareAndSet(false, true)) {
            LOG.warn("The hostname option is not set, so the host of a login comes from its request: SMS codes go "
                    + "out without the origin-bound last line '@<host> #<code>'. Set --hostname to add it.");
        }
        return null;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /** Auth notes of an authentication session as {@link SmsCodeState.Notes}. */
    private record AuthNotes(AuthenticationSessionModel authSession) implements SmsCodeState.Notes {
        @Override
        public String get(String key) {
            return authSession.getAuthNote(key);
        }

        @Override
        public void set(String key, String value) {
            authSession.setAuthNote(key, value);
        }

        @Override
        public void remove(String key) {
            authSession.removeAuthNote(key);
        }
    }
}
