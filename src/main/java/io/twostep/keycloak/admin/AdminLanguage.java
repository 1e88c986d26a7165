package io.twostep.keycloak.admin;

import org.keycloak.component.ComponentValidationException;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.resources.admin.AdminAuth;
import org.keycloak.services.resources.admin.AdminRoot;

import java.text.MessageFormat;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;

/**
 * Refusals of our admin-console tabs in the language the console shows the admin. Keycloak translates a tab's
 * refusal by the {@code locale} claim of the admin's token, which the console's lightweight tokens lack, so without
 * this every refusal would be English whatever the console's language.
 */
final class AdminLanguage {

    private AdminLanguage() {
    }

    /**
     * @param key       message key in our bundles ({@code themes/messages})
     * @param arguments message keys of the arguments (field labels), translated too
     * @return the refusal, in the admin's language (their locale as their realm resolves it), shown as it is; in
     *         Keycloak's own way (translated by the token) when the request is not an admin's
     */
    static ComponentValidationException refusal(KeycloakSession session, String key, String... arguments) {
        RealmModel contextRealm = session.getContext().getRealm();
        try {
            AdminAuth auth = AdminRoot.authenticateRealmAdminRequest(session); // switches to the admin's realm
            Locale locale = session.getContext().resolveLocale(auth.getUser());
            Properties messages = AdminRoot.getMessages(session, auth.getRealm(), locale.toLanguageTag(),
                    "admin-messages", "messages");
            Object[] translated = Arrays.stream(arguments).map(a -> messages.getProperty(a, a)).toArray();
            return new ComponentValidationException("{0}",
                    new MessageFormat(messages.getProperty(key, key), locale).format(translated));
        } catch (RuntimeException e) {
            return new ComponentValidationException(key, (Object[]) arguments);
        } finally {
            session.getContext().setRealm(contextRealm);
        }
    }

    /**
     * @param text a message already in words, e.g. a refusal naming flows
     * @return it, shown exactly as written (Keycloak formats a refusal as a message pattern, which eats quotes)
     */
    static ComponentValidationException asWritten(String text) {
        return new ComponentValidationException("{0}", text);
    }
}
