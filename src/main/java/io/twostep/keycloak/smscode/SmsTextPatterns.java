package io.twostep.keycloak.smscode;

import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.util.LocaleUtil;
import org.keycloak.theme.Theme;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SMS text's pattern ({@value SmsText#MESSAGE_KEY}) for a realm and a locale, as the login theme's messages
 * enhanced with the realm's localization texts give it, without merging every message of the theme on each send
 * (Keycloak's {@code Theme.getEnhancedMessages} copies the whole bundle of each applicable locale into a new
 * {@code Properties}, about a millisecond of CPU per SMS).
 *
 * <p>The result depends only on the theme's bundles, which do not change while Keycloak caches themes (the
 * default; with {@code --spi-theme--cache-themes=false}, as {@code start-dev} sets it, nothing is cached here
 * either), and on the realm's settings that choose the applicable locales and its own texts for this one key. Those
 * are part of the cache key, read from the realm on every send, so a realm's new display text or locale settings take
 * effect at once, on every node.
 */
final class SmsTextPatterns {

    /** The pattern when no bundle has one. */
    static final String FALLBACK =
            "{0}: your login code is {1}. It is valid for {2} minutes. Do not share it with anyone.";

    /** Entries kept at most; a full cache starts afresh (keys grow only with realms, locales and text edits). */
    static final int MAX_ENTRIES = 1000;

    private static final Map<List<Object>, String> CACHE = new ConcurrentHashMap<>();

    private SmsTextPatterns() {
    }

    /**
     * Whether Keycloak caches themes ({@code --spi-theme--cache-themes}), read once: the option is fixed while
     * Keycloak runs, and each read goes through Quarkus's chain of configuration interceptors (about 25 µs).
     */
    private static final class ThemeCache {
        static final boolean ON = Config.scope("theme").getBoolean("cacheThemes", true);
    }

    /**
     * @return the pattern with {@code {0}} brand, {@code {1}} code, {@code {2}} minutes
     * @throws IOException when the login theme's messages cannot be read
     */
    static String pattern(KeycloakSession session, RealmModel realm, Locale locale) throws IOException {
        if (!ThemeCache.ON) {
            return load(session, realm, locale);
        }
        Theme theme = session.theme().getTheme(Theme.Type.LOGIN); // the realm's, or the client's own
        List<Object> key = key(theme, realm, locale);
        String cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        String pattern = theme.getEnhancedMessages(realm, locale).getProperty(SmsText.MESSAGE_KEY, FALLBACK);
        if (CACHE.size() >= MAX_ENTRIES) {
            CACHE.clear();
        }
        CACHE.put(key, pattern);
        return pattern;
    }

    /**
     * Everything besides the (cached) theme bundles that the enhanced messages' value of the key depends on: the
     * realm, the login theme in use (the realm's, or the client's own), the locale, the realm settings that make the chain of parent locales, and the realm's
     * own text of the key for each locale of that chain.
     */
    private static List<Object> key(Theme theme, RealmModel realm, Locale locale) {
        List<Object> key = new ArrayList<>();
        key.add(realm.getId());
        key.add(theme.getName());
        key.add(locale.toLanguageTag());
        key.add(realm.isInternationalizationEnabled());
        key.add(String.valueOf(realm.getDefaultLocale()));
        for (Locale level = locale; level != null; level = LocaleUtil.getParentLocale(level, realm)) {
            key.add(String.valueOf(realm.getRealmLocalizationTextsByLocale(level.toLanguageTag())
                    .get(SmsText.MESSAGE_KEY)));
        }
        return List.copyOf(key);
    }

    private static String load(KeycloakSession session, RealmModel realm, Locale locale) throws IOException {
        return session.theme().getTheme(Theme.Type.LOGIN).getEnhancedMessages(realm, locale)
                .getProperty(SmsText.MESSAGE_KEY, FALLBACK);
    }
}
