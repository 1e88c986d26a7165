package io.twostep.keycloak.support;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds secrets in log text, in every form they could be written in. The secrets come as {@code kind:value} lines
 * ({@link IssuedSecrets}):
 * <ul>
 *   <li>{@code number}: a phone number, found with or without {@code +} or {@code 00}, in national form with the
 *       trunk {@code 0}, spaced or punctuated ({@code +49 151 1234-5678}, {@code (0)151}) and URL-encoded
 *       ({@code %2B49...}, {@code %20}); what is matched is the national significant number, inside any run of
 *       digits and separators;</li>
 *   <li>{@code code}: a one-time code, as a whole token (not inside a longer id);</li>
 *   <li>{@code text}: a password, key or token, as written, URL-encoded ({@code +} or {@code %20} for spaces) and
 *       Base64-encoded;</li>
 *   <li>{@code totp}: an authenticator-app secret, raw, Base32 (as in {@code otpauth://} links) and Base64;</li>
 *   <li>{@code fact}: not a secret, skipped;</li>
 *   <li>{@code address} and {@code notice}: an e-mail address a notice went to, a line of a notice's text; skipped
 *       here, since Keycloak's own event log names addresses (the log-hygiene test checks them on the other
 *       lines).</li>
 * </ul>
 * A line without a kind is a number when it is 10 to 15 digits (with an optional {@code +}), a code when it is 4 to
 * 9 digits, else a text.
 */
public final class LogScanner {

    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    /** Digits joined by up to two separators: space, tab, {@code - . / ( ) +}, no-break space. */
    private static final Pattern DIGIT_RUN = Pattern.compile("\\d(?:[ \\t\\-./()+\\u00a0]{0,2}\\d)*");
    private static final Pattern URL_SEPARATOR = Pattern.compile("%(?:2[BbDdEeFf0]|28|29|A0|a0)");
    private static final Pattern TOKEN = Pattern.compile("(?<![0-9A-Za-z-])\\d{4,10}(?![0-9A-Za-z-])");

    private LogScanner() {
    }

    /**
     * @param log     the log text
     * @param secrets {@code kind:value} lines (see the class comment); blank lines and {@code #} lines are skipped
     * @return each secret found, with the form it was found in and the log line
     */
    public static List<String> leaks(String log, List<String> secrets) {
        Map<String, String> numbers = new HashMap<>(); // national significant digits -> as recorded
        Map<String, String> codes = new HashMap<>();
        Map<String, String> texts = new LinkedHashMap<>(); // form -> as recorded
        for (String line : secrets) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String kind = colon > 0 ? line.substring(0, colon) : "";
            String value = colon > 0 ? line.substring(colon + 1) : line;
            switch (kind) {
                case "number" -> addNumber(numbers, value);
                case "code" -> codes.put(value, "code " + value);
                case "text" -> textForms(value).forEach(f -> texts.put(f, "text " + value));
                case "totp" -> totpForms(value).forEach(f -> texts.put(f, "TOTP secret " + value));
                case "fact", "address", "notice" -> {
                }
                default -> {
                    if (line.matches("\\+?\\d{10,15}")) {
                        addNumber(numbers, line);
                    } else if (line.matches("\\d{4,9}")) {
                        codes.put(line, "code " + line);
                    } else {
                        textForms(line).forEach(f -> texts.put(f, "text " + line));
                    }
                }
            }
        }
        int shortest = numbers.keySet().stream().mapToInt(String::length).min().orElse(Integer.MAX_VALUE);
        int longest = numbers.keySet().stream().mapToInt(String::length).max().orElse(0);

        List<String> found = new ArrayList<>();
        for (String line : log.split("\n")) {
            if (!numbers.isEmpty()) {
                Matcher run = DIGIT_RUN.matcher(URL_SEPARATOR.matcher(line).replaceAll(" "));
                while (run.find()) {
                    String digits = run.group().replaceAll("\\D", "");
                    for (int start = 0; start + shortest <= digits.length(); start++) {
                        for (int len = shortest; len <= longest && start + len <= digits.length(); len++) {
                            String recorded = numbers.get(digits.substring(start, start + len));
                            if (recorded != null) {
                                found.add("number " + recorded + " as '" + run.group() + "' in: " + line);
                            }
                        }
                    }
                }
            }
            Matcher token = TOKEN.matcher(line);
            while (token.find()) {
                String recorded = codes.get(token.group());
                if (recorded != null) {
                    found.add(recorded + " in: " + line);
                }
            }
            for (Map.Entry<String, String> text : texts.entrySet()) {
                if (line.contains(text.getKey())) {
                    found.add(text.getValue() + " as '" + text.getKey() + "' in: " + line);
                }
            }
        }
        return found;
    }

    /** Keys a number by its national significant number, which every written form of it contains. */
    private static void addNumber(Map<String, String> numbers, String value) {
        String plain = value.replaceAll("(?i)%2B", "+").replaceAll("(?i)%20", " ");
        String key;
        try {
            Phonenumber.PhoneNumber parsed = PHONES.parse(plain, "DE");
            key = PHONES.getNationalSignificantNumber(parsed);
        } catch (NumberParseException e) {
            key = plain.replaceAll("\\D", "");
        }
        if (key.length() < 8) {
            key = plain.replaceAll("\\D", ""); // too short to say anything; the digits as typed
        }
        if (key.length() >= 8) { // shorter digit strings occur in any log by chance
            numbers.put(key, value);
        }
    }

    private static List<String> textForms(String secret) {
        return List.of(secret, URLEncoder.encode(secret, StandardCharsets.UTF_8),
                URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20"),
                Base64.getEncoder().withoutPadding().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> totpForms(String secret) {
        byte[] raw = secret.getBytes(StandardCharsets.UTF_8);
        return List.of(secret, base32(raw), Base64.getEncoder().withoutPadding().encodeToString(raw));
    }

    /** RFC 4648 Base32, without padding, as authenticator-app links carry a secret. */
    static String base32(byte[] data) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder out = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(alphabet.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }
}
