package io.twostep.keycloak.notice;

import io.twostep.keycloak.policy.TwoStepSettings;
import org.jboss.logging.Logger;
import org.keycloak.email.EmailTemplateProvider;
import org.keycloak.executors.ExecutorsProvider;
import org.keycloak.locale.LocaleSelectorProvider;
import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.models.utils.UserModelDelegate;
import org.keycloak.theme.Theme;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.RejectedExecutionException;

/**
 * Sends security notices by e-mail, with Keycloak's e-mail sender, the realm's SMTP settings and this extension's
 * templates ({@value #TEMPLATE} in the {@code email} theme type, text and HTML, from the jar's
 * {@code theme-resources/templates/text/} and {@code html/}), in the user's language.
 * <p>
 * A notice is sent only after the transaction that made the change commits, and on a thread of its own (Keycloak's
 * executor {@value #EXECUTOR}): a slow or failing SMTP server never holds up or breaks the request that caused it.
 * A failure is logged with the kind of notice, the user's id and the realm, never the address or a number. Nothing is
 * sent when the realm switched notices off ({@code twoStep.notifications=false}), the realm has no SMTP host, or the
 * user has no e-mail address.
 */
public final class SecurityNotices {

    /** The templates' file name under {@code text/} and {@code html/}. */
    public static final String TEMPLATE = "two-step-notice.ftl";
    /** Name of the Keycloak executor that sends notices. */
    public static final String EXECUTOR = "two-step-notices";

    private static final Logger LOG = Logger.getLogger(SecurityNotices.class);

    private SecurityNotices() {
    }

    /**
     * Queues a notice to a user, to go out once the current transaction commits (nothing when it rolls back).
     *
     * @param session the request's session
     * @param realm   the user's realm
     * @param user    the user told
     * @param notice  what happened
     */
    public static void send(KeycloakSession session, RealmModel realm, UserModel user, SecurityNotice notice) {
        sendTo(session, realm, user, null, notice);
    }

    /**
     * Queues a notice about a user to an address the user no longer has (the one an e-mail change replaced), to go
     * out once the current transaction commits; otherwise as {@link #send}.
     *
     * @param address the address to send to instead of the user's current one; {@code null} for the current one
     */
    public static void sendTo(KeycloakSession session, RealmModel realm, UserModel user, String address,
                              SecurityNotice notice) {
        if (!TwoStepSettings.of(session, realm).notifications()) {
            return;
        }
        if (address == null && (user.getEmail() == null || user.getEmail().isBlank())) {
            LOG.debugf("Security notice %s not sent to user %s of realm %s: no e-mail address", notice.kind(),
                    user.getId(), realm.getName());
            return;
        }
        Map<String, String> smtp = realm.getSmtpConfig();
        if (smtp == null || smtp.get("host") == null || smtp.get("host").isBlank()) {
            LOG.debugf("Security notice %s not sent to user %s of realm %s: the realm has no SMTP server",
                    notice.kind(), user.getId(), realm.getName());
            return;
        }
        Task task = new Task(session.getKeycloakSessionFactory(), realm.getId(), realm.getName(), user.getId(),
                address, requestLocale(session, user), notice);
        var executor = session.getProvider(ExecutorsProvider.class).getExecutor(EXECUTOR);
        Runnable submit = () -> {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) {
                LOG.warnf("Security notice %s to user %s of realm %s not sent: the server is stopping",
                        notice.kind(), user.getId(), realm.getName());
            }
        };
        if (session.getTransactionManager().isActive()) {
            session.getTransactionManager().enlistAfterCompletion(new AbstractKeycloakTransaction() {
                @Override
                protected void commitImpl() {
                    submit.run();
                }

                @Override
                protected void rollbackImpl() {
                    // the change did not happen: nothing to tell
                }
            });
        } else {
            submit.run();
        }
    }

    /** The language the user sees now (their choice on the page, the browser's), for a notice sent later. */
    private static String requestLocale(KeycloakSession session, UserModel user) {
        try {
            Locale locale = session.getContext().resolveLocale(user);
            return locale == null ? null : locale.toLanguageTag();
        } catch (RuntimeException e) {
            return null; // the user's own locale attribute or the realm's default then decides
        }
    }

    /** Renders and sends one notice in a session and transaction of its own. */
    private record Task(KeycloakSessionFactory factory, String realmId, String realmName, String userId,
                        String address, String localeTag, SecurityNotice notice) implements Runnable {

        @Override
        public void run() {
            try {
                KeycloakModelUtils.runJobInTransaction(factory, this::send);
            } catch (RuntimeException e) {
                LOG.warnf("Security notice %s to user %s of realm %s not sent: %s", notice.kind(), userId, realmName,
                        describe(e));
            }
        }

        private void send(KeycloakSession session) {
            RealmModel realm = session.realms().getRealm(realmId);
            if (realm == null) {
                return;
            }
            session.getContext().setRealm(realm); // user storage and the theme read the realm from the context
            UserModel stored = session.users().getUserById(realm, userId);
            if (stored == null || (address == null && (stored.getEmail() == null || stored.getEmail().isBlank()))) {
                return;
            }
            // Keycloak's e-mail sender writes to the user's address; a notice to the previous one names it instead.
            UserModel user = address == null ? stored : new UserModelDelegate(stored) {
                @Override
                public String getEmail() {
                    return address;
                }
            };
            if (localeTag != null) {
                session.setAttribute(LocaleSelectorProvider.USER_REQUEST_LOCALE, localeTag);
            }
            try {
                Locale locale = session.getContext().resolveLocale(user);
                Properties messages = session.theme().getTheme(Theme.Type.EMAIL).getEnhancedMessages(realm, locale);
                String brand = brand(realm);
                List<Object> params = notice.templateParams(brand, key -> messages.getProperty(key, key));
                Map<String, Object> attributes = new HashMap<>();
                attributes.put("noticeKey", notice.kind().key());
                attributes.put("noticeParams", params);
                session.getProvider(EmailTemplateProvider.class).setRealm(realm).setUser(user)
                        .send(notice.kind().key() + "Subject", List.of(brand), TEMPLATE, attributes);
                LOG.debugf("Security notice %s sent to user %s of realm %s", notice.kind(), userId, realmName);
            } catch (Exception e) {
                LOG.warnf("Security notice %s to user %s of realm %s not sent: %s", notice.kind(), userId,
                        realmName, describe(e));
            }
        }
    }

    /** The realm's name as users see it: its display name without markup, else its name. */
    static String brand(RealmModel realm) {
        String display = realm.getDisplayName();
        return display == null || display.isBlank() ? realm.getName() : display.replaceAll("<[^>]*>", "");
    }

    /**
     * Exception classes only: messages of mail exceptions can carry the address.
     *
     * @return e.g. {@code EmailException caused by MailConnectException caused by ConnectException}
     */
    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(e.getClass().getSimpleName());
        Throwable cause = e.getCause();
        for (int depth = 0; cause != null && cause != e && depth < 5; depth++, e = cause, cause = cause.getCause()) {
            text.append(" caused by ").append(cause.getClass().getSimpleName());
        }
        return text.toString();
    }
}
