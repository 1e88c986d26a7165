package io.twostep.keycloak.smscode;

import java.text.MessageFormat;
import java.util.Locale;

/**
 * The text of a code SMS (docs/security.md S29): brand, code, validity, "do not share", no links, and a last line
 * {@code @<host> #<code>} in the origin-bound one-time code format (WICG "Origin-bound one-time codes delivered
 * via SMS") so that browsers can offer the code only on the right site.
 */
public final class SmsText {

    /** Message key of the SMS text in the login theme's bundles. */
    public static final String MESSAGE_KEY = "twoStepSmsText";

    private SmsText() {
    }

    /**
     * @param pattern    the bundle's {@value #MESSAGE_KEY} pattern with {@code {0}} brand, {@code {1}} code,
     *                   {@code {2}} minutes valid
     * @param locale     the user's locale
     * @param brand      realm display name (plain text)
     * @param code       the digits
     * @param ttlSeconds validity in seconds; shown rounded up to whole minutes
     * @param host       the host name users log in at, e.g. {@code login.example.com}, as fixed by configuration;
     *                   {@code null} when it is not fixed, so that nothing a request claims reaches the SMS
     * @return the full SMS text, ending with {@code "\n\n@host #code"} when a host is given
     */
    public static String format(String pattern, Locale locale, String brand, String code, int ttlSeconds,
                                String host) {
        String minutes = Integer.toString((ttlSeconds + 59) / 60);
        String body = new MessageFormat(pattern, locale).format(new Object[]{brand, code, minutes});
        return host == null || host.isBlank() ? body : body + "\n\n@" + host + " #" + code;
    }
}
