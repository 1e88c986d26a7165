package io.twostep.keycloak.smscode;

import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.limits.SingleUseSlots;
import io.twostep.keycloak.limits.SmsLimiter;
import io.twostep.keycloak.phone.RealmPhonePolicy;
import io.twostep.keycloak.sms.SmsSendException;
import io.twostep.keycloak.sms.SmsSender;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.crypto.Algorithm;
import org.keycloak.crypto.KeyUse;
import org.keycloak.crypto.KeyWrapper;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.urls.UrlType;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * Where an {@link SmsCodeStep} gets what it needs in Keycloak: the authentication session's notes and the
 * single-use store for its state, the realm's HMAC key, the login theme's texts, the {@code sms-sender} and
 * {@code sms-limits} providers, and the flow's event builder.
 */
final class KeycloakServices {

    private static final Logger LOG = Logger.getLogger(KeycloakServices.class);
    private static final AtomicBoolean HOST_WARNING = new AtomicBoolean();
    private static final Pattern TAGS = Pattern.compile("<[^>]*>");

    private KeycloakServices() {
    }

    static SmsCodeStep step(KeycloakSession session, RealmModel realm, UserModel user,
                            AuthenticationSessionModel authSession, EventBuilder event, SmsCodeSettings settings,
                            String notePrefix, boolean enrolment) {
        String binding = authSession.getParentSession().getId() + "/" + authSession.getTabId() + "/" + notePrefix;
        SmsCodeState state = new SmsCodeState(new AuthNotes(authSession), new SingleUseSlots(session),
                "two-step.code." + binding, notePrefix);
        SmsCodeStep.Services services = new SmsCodeStep.Services(session.getProvider(SmsLimiter.class),
                () -> RealmPhonePolicy.of(realm), () -> session.getProvider(SmsSender.class),
                () -> hasher(session, realm), code -> text(session, realm, user, settings, code),
                new FlowEvents(event, user), session.getContext().getConnection().getRemoteAddr());
        return new SmsCodeStep(realm, user, settings, state, binding, enrolment, services);
    }

    private static CodeHasher hasher(KeycloakSession session, RealmModel realm) {
        KeyWrapper key = session.keys().getActiveKey(realm, KeyUse.SIG, Algorithm.HS512);
        if (key == null || key.getSecretKey() == null) {
            throw new IllegalStateException("realm " + realm.getName() + " has no active HS512 key");
        }
        return new CodeHasher(key.getSecretKey());
    }

    private static String text(KeycloakSession session, RealmModel realm, UserModel user, SmsCodeSettings settings,
                               String code) throws SmsSendException {
        Locale locale = session.getContext().resolveLocale(user);
        String pattern;
        try {
            pattern = SmsTextPatterns.pattern(session, realm, locale);
        } catch (IOException e) {
            throw new SmsSendException(SmsSendException.Reason.CONFIGURATION, "login theme messages unreadable", false,
                    SmsSendException.Stage.NOT_CALLED);
        }
        String brand = realm.getDisplayName() == null || realm.getDisplayName().isBlank()
                ? realm.getName() : TAGS.matcher(realm.getDisplayName()).replaceAll("");
        return SmsText.format(pattern, locale, brand, code, settings.codeTtlSeconds(), configuredHost(session, realm));
    }

    /**
     * The host users log in at, for the SMS's origin-bound last line, only where configuration fixes it: the realm's
     * frontend URL, or the server's {@code hostname} option. Without either, Keycloak takes the host from the
     * request's {@code Host} header, which anyone can set: then the line is left out (and a warning logged once).
     *
     * @return the host name, or {@code null}
     */
    private static String configuredHost(KeycloakSession session, RealmModel realm) {
        String frontendUrl = realm.getAttribute("frontendUrl");
        boolean fixed = (frontendUrl != null && !frontendUrl.isBlank()) || ServerOption.HOSTNAME_SET;
        if (fixed) {
            return session.getContext().getUri(UrlType.FRONTEND).getBaseUri().getHost();
        }
        if (HOST_WARNING.compareAndSet(false, true)) {
            LOG.warn("The hostname option is not set, so the host of a login comes from its request: SMS codes go "
                    + "out without the origin-bound last line '@<host> #<code>'. Set --hostname to add it.");
        }
        return null;
    }

    /**
     * The server's options this class reads, once: they are fixed while Keycloak runs, and each read goes through
     * Quarkus's chain of configuration interceptors (about 25 µs).
     */
    private static final class ServerOption {
        /** Whether the {@code hostname} option is set. */
        static final boolean HOSTNAME_SET = !String.valueOf(Config.scope("hostname", "v2").get("hostname", ""))
                .isBlank();
    }

    /** A step's events, each a clone of the flow's event builder, so nothing lands on the login's own event. */
    private record FlowEvents(EventBuilder event, UserModel user) implements SmsCodeStep.Events {

        @Override
        public void sent(String maskedNumber, String messageId) {
            record(EventType.CUSTOM_REQUIRED_ACTION, TwoStepEvents.CODE_SENT)
                    .detail(TwoStepEvents.MASKED_NUMBER, maskedNumber)
                    .detail(TwoStepEvents.MESSAGE_ID, messageId)
                    .success();
        }

        @Override
        public void sendFailed(String maskedNumber, String reason) {
            record(EventType.CUSTOM_REQUIRED_ACTION_ERROR, TwoStepEvents.SEND_FAILED)
                    .detail(TwoStepEvents.MASKED_NUMBER, maskedNumber)
                    .detail(TwoStepEvents.REASON, reason)
                    .error(TwoStepEvents.ERROR_SEND_FAILED);
        }

        @Override
        public void limitHit(SmsLimiter.Limit limit, String maskedNumber) {
            record(EventType.CUSTOM_REQUIRED_ACTION_ERROR, TwoStepEvents.LIMIT_HIT)
                    .detail(TwoStepEvents.LIMIT, limit.name().toLowerCase(Locale.ROOT))
                    .detail(TwoStepEvents.MASKED_NUMBER, maskedNumber)
                    .error(limit == SmsLimiter.Limit.REALM
                            ? TwoStepEvents.ERROR_REALM_BUDGET_SPENT : TwoStepEvents.ERROR_LIMIT_REACHED);
        }

        @Override
        public void factorBlocked() {
            record(EventType.CUSTOM_REQUIRED_ACTION_ERROR, TwoStepEvents.FACTOR_BLOCKED)
                    .error(TwoStepEvents.ERROR_FACTOR_BLOCKED);
        }

        private EventBuilder record(EventType type, String twoStepEvent) {
            return event.clone().event(type).user(user).detail(TwoStepEvents.EVENT, twoStepEvent);
        }
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
