package io.twostep.keycloak.smscode;

import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.limits.ClientNetwork;
import io.twostep.keycloak.limits.SmsLimiter;
import io.twostep.keycloak.metrics.TwoStepMetrics;
import io.twostep.keycloak.phone.PhoneNumbers;
import io.twostep.keycloak.phone.PhonePolicy;
import io.twostep.keycloak.sms.SentSms;
import io.twostep.keycloak.sms.SmsSendException;
import io.twostep.keycloak.sms.SmsSender;
import org.jboss.logging.Logger;
import org.keycloak.common.util.SecretGenerator;
import org.keycloak.common.util.Time;
import org.keycloak.events.EventBuilder;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;

import java.time.Duration;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Sends and checks the SMS codes of one step (the {@code sms-otp-form} login, or the {@code configure-sms-otp}
 * enrolment) in one authentication session: the order of the checks around {@link SmsCodeState}. Where things come
 * from (the realm's key, its texts, the gateway, the event store) is in {@link Services}, which {@link #of} wires to
 * Keycloak. Times are Keycloak's clock ({@link Time}) in epoch seconds.
 */
public final class SmsCodeStep {

    /** Outcome of {@link #send}. */
    public sealed interface SendOutcome {
        /** The gateway accepted the SMS to {@code maskedNumber}. */
        record Sent(String maskedNumber) implements SendOutcome {
        }

        /** The previous SMS of this login is too recent: wait {@code seconds}. */
        record Cooldown(int seconds) implements SendOutcome {
        }

        /** This login has sent all the SMS it may. */
        record CapReached() implements SendOutcome {
        }

        /** The gateway refused or could not be reached; nothing was sent. */
        record Failed(SmsSendException.Reason reason) implements SendOutcome {
        }

        /** A server-wide limit (user, number, IP or realm budget) is spent for {@code retryAfter} seconds. */
        record Limited(SmsLimiter.Limit limit, int retryAfter) implements SendOutcome {
        }

        /** The SMS factor is blocked for this account after too many wrong codes, for {@code seconds}. */
        record Blocked(int seconds) implements SendOutcome {
        }

        /** The realm's phone policy (type, allowed regions) no longer admits the number. */
        record NumberNotAllowed() implements SendOutcome {
        }
    }

    /** Where a step's code is recorded: events of the login, or of the enrolment. */
    public interface Events {
        /** A code went out to {@code maskedNumber}; the gateway's id of it is {@code messageId}. */
        void sent(String maskedNumber, String messageId);

        /** A send failed or was refused; {@code reason} is a {@code TwoStepEvents.REASON} value. */
        void sendFailed(String maskedNumber, String reason);

        /** A budget stopped a send. */
        void limitHit(SmsLimiter.Limit limit, String maskedNumber);

        /** The wrong code just entered blocked the SMS factor of the account. */
        void factorBlocked();
    }

    /** The text of the SMS carrying {@code code}. */
    @FunctionalInterface
    public interface Texts {
        /**
         * @param code the digits
         * @return the whole SMS
         * @throws SmsSendException when the text cannot be made (e.g. unreadable theme messages)
         */
        String forCode(String code) throws SmsSendException;
    }

    /**
     * What a step uses beyond its own state.
     *
     * @param limiter       budgets and the account's wrong-code count
     * @param phonePolicy   the realm's phone policy, checked again before every send; read only then (a request
     *                      that checks a code does not parse the realm's settings)
     * @param sender        the SMS gateway; {@code null} from the supplier when no sender is enabled
     * @param hasher        the keyed hash of codes, with the realm's key
     * @param texts         the SMS text
     * @param events        where sends and blocks are recorded
     * @param clientAddress the client's address, for the per-address budget
     */
    public record Services(SmsLimiter limiter, Supplier<PhonePolicy> phonePolicy, Supplier<SmsSender> sender,
                           Supplier<CodeHasher> hasher, Texts texts, Events events, String clientAddress) {
    }

    /** Longest code input looked at, in characters; longer input is refused as malformed. */
    private static final int MAX_INPUT = 64;
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    private static final Logger LOG = Logger.getLogger(SmsCodeStep.class);
    /** Starts what the keyed hash of a budget's refusal covers after the binding, so it never equals a code's hash. */
    private static final String LIMITED_FROM = "limited from ";

    private final RealmModel realm;
    private final UserModel user;
    private final SmsCodeSettings settings;
    private final SmsCodeState state;
    private final String binding;
    private final boolean enrolment;
    private final Services services;
    private SmsLimiter.FailureStatus failures;

    /**
     * @param realm     the realm (its name labels metrics and logs)
     * @param user      the user the codes are for
     * @param settings  the step's settings
     * @param state     the code's state in the authentication session
     * @param binding   what a code belongs to: authentication session, tab and step
     * @param enrolment whether codes go to a number not proven yet (enrolment) rather than a bound one (login)
     * @param services  where everything else comes from
     */
    SmsCodeStep(RealmModel realm, UserModel user, SmsCodeSettings settings, SmsCodeState state, String binding,
                boolean enrolment, Services services) {
        this.realm = realm;
        this.user = user;
        this.settings = settings;
        this.state = state;
        this.binding = binding;
        this.enrolment = enrolment;
        this.services = services;
    }

    /**
     * The step of one login or enrolment, wired to Keycloak.
     *
     * @param authSession the authentication session holding the code
     * @param event       the flow's event builder; cloned for every event, never changed
     * @param notePrefix  separates this step's notes from another step's in the same authentication session
     * @param enrolment   whether codes go to a number not proven yet
     * @return the step
     */
    public static SmsCodeStep of(KeycloakSession session, RealmModel realm, UserModel user,
                                 AuthenticationSessionModel authSession, EventBuilder event,
                                 SmsCodeSettings settings, String notePrefix, boolean enrolment) {
        return KeycloakServices.step(session, realm, user, authSession, event, settings, notePrefix, enrolment);
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
     * Sends a fresh code to {@code e164}: takes one of this login's sends (cooldown, per-login cap), passes the
     * {@linkplain #refusal checks beyond this login}, then {@linkplain #issue issues} the code. Every outcome but
     * cooldown, cap and a budget's refusal {@linkplain #earlierLimitRefusal repeated within its window} is recorded as
     * an event and a metric.
     *
     * @param e164 destination, E.164 with {@code +}
     * @return what happened
     */
    public SendOutcome send(String e164) {
        long now = Time.currentTime();
        SmsCodeState.SendDecision decision = state.claimSend(now, settings);
        if (decision instanceof SmsCodeState.SendDecision.Cooldown cooldown) {
            return new SendOutcome.Cooldown(cooldown.seconds());
        }
        if (decision instanceof SmsCodeState.SendDecision.CapReached) {
            return new SendOutcome.CapReached();
        }
        int slot = ((SmsCodeState.SendDecision.Allowed) decision).slot();
        Checks checks = checks(e164, now);
        if (checks.refused() != null) {
            state.releaseSend(slot, settings); // nothing was sent: this login keeps the send
            return checks.refused();
        }
        return issue(slot, e164, now, checks.giveBack());
    }

    /**
     * What {@link #checks} came to.
     *
     * @param refused  why the SMS must not go out, or {@code null} when it may
     * @param giveBack when it may: takes it off the hourly budgets again
     */
    private record Checks(SendOutcome refused, Runnable giveBack) {
    }

    /**
     * The checks beyond this login's own sends, in order: the realm's phone policy, the account's wrong-code block,
     * the hourly budgets (which count the SMS when they let it go). A refusal is recorded (event, metric).
     */
    private Checks checks(String e164, long now) {
        String masked = PhoneNumbers.mask(e164);
        String country = PhoneNumbers.callingCode(e164);
        if (!services.phonePolicy().get().check(e164).accepted()) {
            services.events().sendFailed(masked, TwoStepEvents.REASON_NUMBER_NOT_ALLOWED);
            TwoStepMetrics.smsSendFailed(realm.getName(), country, TwoStepEvents.REASON_NUMBER_NOT_ALLOWED);
            return refused(new SendOutcome.NumberNotAllowed());
        }
        SmsLimiter.FailureStatus standing = services.limiter().failures(realm, user);
        if (standing.blocked()) {
            TwoStepMetrics.smsLimited(realm.getName(), country, "blocked");
            return refused(new SendOutcome.Blocked(standing.waitSeconds()));
        }
        SendOutcome stillLimited = earlierLimitRefusal(now, e164);
        if (stillLimited != null) {
            return refused(stillLimited);
        }
        SmsLimiter.SendDecision allowed = services.limiter().trySend(realm, user, e164, services.clientAddress(),
                enrolment);
        if (allowed.allowed()) {
            return new Checks(null, allowed.giveBack());
        }
        String limit = allowed.limit().name().toLowerCase(Locale.ROOT);
        LOG.warnf("SMS limit '%s' reached for user %s in realm %s; next window in %d s", limit, user.getId(),
                realm.getName(), allowed.retryAfter());
        services.events().limitHit(allowed.limit(), masked);
        TwoStepMetrics.smsLimited(realm.getName(), country, limit);
        state.recordLimited(allowed.limit().name(), now + allowed.retryAfter(),
                services.hasher().get().hash(bindingFor(e164), limitedFrom()));
        return refused(new SendOutcome.Limited(allowed.limit(), allowed.retryAfter()));
    }

    /**
     * A budget that refused this login's SMS to the same number from the same address before, while its window
     * lasts: the user is told again, without asking the budgets, logging, or recording another event or metric, so
     * that pressing <em>Resend</em> over and over cannot flood the log and the event store. The address counts as the
     * per-address budget counts it (an IPv6 address by its /64 network), so a client cannot renew the refusal by
     * taking another address of its own network. The note keeps neither the number nor the address, only their keyed
     * hash with this login's binding. Asked after the phone policy and the wrong-code block, so that those still
     * answer first.
     *
     * @return the refusal to show, or {@code null} when the budgets are to be asked
     */
    private SendOutcome earlierLimitRefusal(long now, String e164) {
        SmsCodeState.LimitRefusal earlier = state.earlierLimitRefusal(now,
                refusedFor -> services.hasher().get().matches(refusedFor, bindingFor(e164), limitedFrom()));
        if (earlier == null) {
            return null;
        }
        try {
            return new SendOutcome.Limited(SmsLimiter.Limit.valueOf(earlier.limit()), earlier.secondsLeft());
        } catch (IllegalArgumentException e) {
            return null; // a note from another version: ask the budgets
        }
    }

    private static Checks refused(SendOutcome outcome) {
        return new Checks(outcome, null);
    }

    /**
     * Issues a code on a send the checks allowed: records the attempt first (so a failing or slow gateway still uses
     * up the send and starts the cooldown, and the previous code is void), texts a fresh code, and keeps its keyed
     * hash only once the gateway accepted it. An SMS that never reached the gateway (its circuit breaker open, every
     * send slot busy, no sender) is given back to the hourly budgets: while the gateway is down, users who try again
     * do not use up their own, their network's or the realm's budget for the hour after it is back. A sender that
     * fails on its own, with an exception or with an error of the deployment (a class it cannot link), makes a failed
     * send with the page's message, never a 500; other errors (out of memory, a failed assertion) go on up.
     *
     * @param giveBack takes this SMS off the hourly budgets
     */
    private SendOutcome issue(int slot, String e164, long now, Runnable giveBack) {
        String masked = PhoneNumbers.mask(e164);
        String country = PhoneNumbers.callingCode(e164);
        state.recordSendAttempt(slot, now, settings);
        String code = SecretGenerator.getInstance().randomString(settings.codeLength(), SecretGenerator.DIGITS);
        Duration gatewayTime = null;
        try {
            CodeHasher hasher;
            String text;
            SmsSender sender;
            try {
                hasher = services.hasher().get();
                text = services.texts().forCode(code);
                sender = services.sender().get();
            } catch (RuntimeException | LinkageError | ServiceConfigurationError e) {
                // Keycloak could not make the key, the text or the sender (e.g. a library missing from providers/).
                throw new SmsSendException(SmsSendException.Reason.CONFIGURATION, "sms step not ready: " + describe(e),
                        false, SmsSendException.Stage.NOT_CALLED);
            }
            if (sender == null) {
                throw new SmsSendException(SmsSendException.Reason.CONFIGURATION, "no sms-sender provider is enabled",
                        false, SmsSendException.Stage.NOT_CALLED);
            }
            long started = System.nanoTime();
            SentSms sent;
            try {
                sent = sender.send(e164, text);
            } catch (SmsSendException e) {
                gatewayTime = Duration.ofNanos(System.nanoTime() - started);
                throw e;
            } catch (RuntimeException e) {
                // A sender's own fault must not become a 500 on the login page. Not an answer of the gateway: no
                // gateway time. It may have come after the SMS went out, so the SMS stays counted.
                throw new SmsSendException(SmsSendException.Reason.PROVIDER_DOWN, "sms sender failed: " + describe(e));
            } catch (LinkageError | ServiceConfigurationError e) {
                // A class the deployment lacks or cannot link (e.g. a library of the sender missing from providers/):
                // an operator must act, and the user gets the page's message, not a 500. Other errors (out of memory,
                // a failed assertion) are not the step's to answer and go on up.
                throw new SmsSendException(SmsSendException.Reason.CONFIGURATION, "sms sender failed: " + describe(e));
            }
            gatewayTime = Duration.ofNanos(System.nanoTime() - started);
            TwoStepMetrics.gatewayAnswered(gatewayTime, true);
            TwoStepMetrics.smsSent(realm.getName(), country);
            state.recordIssued(slot, hasher.hash(bindingFor(e164), code), now, settings);
            services.events().sent(masked, sent.messageId());
            return new SendOutcome.Sent(masked);
        } catch (SmsSendException e) {
            if (e.getStage() == SmsSendException.Stage.NOT_CALLED) {
                giveBack.run();
            } else if (gatewayTime != null) {
                // Only calls that reached the gateway: refusals at once would pull its latency towards 0 while it hangs.
                TwoStepMetrics.gatewayAnswered(gatewayTime, false);
            }
            TwoStepMetrics.smsSendFailed(realm.getName(), country, e.getReason().eventValue());
            LOG.warnf("SMS to %s for user %s in realm %s not sent: %s (%s)", masked, user.getId(), realm.getName(),
                    e.getReason().eventValue(), e.getMessage());
            services.events().sendFailed(masked, e.getReason().eventValue());
            return new SendOutcome.Failed(e.getReason());
        }
    }

    /**
     * @return the fault's class, for a linkage error the class or member it names, and the classes of its causes
     *         (e.g. what failed in a static initialiser); no other message, so no value of the send
     */
    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(e.getClass().getSimpleName());
        if (e instanceof LinkageError && !(e instanceof ExceptionInInitializerError) && e.getMessage() != null) {
            text.append(' ').append(e.getMessage());
        }
        Throwable cause = e.getCause();
        for (int depth = 0; cause != null && depth < 5; depth++, cause = cause.getCause()) {
            text.append(", caused by ").append(cause.getClass().getName());
        }
        return text.toString();
    }

    /**
     * @param input what the user typed, possibly {@code null}
     * @return the digits without spaces and dashes (any script's digits as ASCII) when they have the configured
     *         length, otherwise {@code null}
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
     * @param code digits of the configured length
     * @param e164 the number the code must have been sent to; a code sent to another number never matches
     * @return the outcome; a correct code is used up
     */
    public SmsCodeState.Verification verify(String code, String e164) {
        SmsCodeState.Verification verification = check(code, e164);
        TwoStepMetrics.codeEntered(realm.getName(), PhoneNumbers.callingCode(e164), enrolment,
                verification.name().toLowerCase(Locale.ROOT).replace("wrong_and_exhausted", "wrong"));
        return verification;
    }

    private SmsCodeState.Verification check(String code, String e164) {
        SmsLimiter limiter = services.limiter();
        failures = limiter.failures(realm, user);
        if (failures.blocked()) {
            return SmsCodeState.Verification.BLOCKED;
        }
        if (status() != SmsCodeState.Status.ACTIVE) {
            // No code to guess at: say why (expired, used up, none) without counting anything.
            return state.verify(hash -> false, Time.currentTime(), settings);
        }
        SmsLimiter.Attempt attempt = limiter.beginAttempt(realm, user);
        if (attempt.refusal() != null) {
            failures = attempt.refusal();
            return failures.blocked() ? SmsCodeState.Verification.BLOCKED : SmsCodeState.Verification.DELAYED;
        }
        CodeHasher hasher = services.hasher().get();
        SmsCodeState.Verification verification =
                state.verify(hash -> hasher.matches(hash, bindingFor(e164), code), Time.currentTime(), settings);
        if (verification == SmsCodeState.Verification.ACCEPTED) {
            attempt.right();
            failures = new SmsLimiter.FailureStatus(0, false, 0);
        } else {
            // Every try the account reserved stays counted unless the code was right, even one that found the
            // code used up by a concurrent request.
            failures = attempt.wrong();
            if (failures.blocked() && failures.failures() == limiter.settings().failuresBeforeBlock()) {
                services.events().factorBlocked();
            }
        }
        return verification;
    }

    /** @return the account's wrong-code standing as of the last {@link #verify}, or now */
    public SmsLimiter.FailureStatus failures() {
        return failures == null ? services.limiter().failures(realm, user) : failures;
    }

    /** A code belongs to one authentication session, one tab, one step and one destination number. */
    private String bindingFor(String e164) {
        return binding + "/" + e164;
    }

    /** @return what a budget's refusal is kept for besides the number: the client's network, as the budget counts it */
    private String limitedFrom() {
        return LIMITED_FROM + ClientNetwork.of(services.clientAddress());
    }
}
