package io.twostep.keycloak;

import io.twostep.keycloak.smscode.SmsText;
import io.twostep.keycloak.sms.Gsm7;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our message bundles ({@code themes/messages}): the login pages, the SMS text, the Account Console's names, the
 * security notices and the admin tabs, in every language we ship. A translation that misses a key shows the key itself to the
 * user; one that breaks a placeholder shows "{0}" or drops the number; an SMS text that leaves the GSM alphabet
 * costs two or three parts where one would do.
 */
class MessageBundlesTest {

    /** The languages we ship, English first (the reference). */
    static final List<String> LANGUAGES = List.of("en", "de", "fr", "es", "it", "nl", "pl", "pt", "sv", "cs", "tr",
            "ja");
    /**
     * Keys shown by the Account Console and the admin console, which render them with i18next rather than Java's
     * MessageFormat: there an apostrophe is written as is, on the login pages it must be doubled; so these keys use
     * none (the typographic ’ suits both).
     */
    static final Pattern REACT_KEYS = Pattern.compile("sms-otp-.*|trusted-device-.*|configure-sms-otp"
            + "|forget-trusted-devices|twoStepTab(?!.*(Invalid|Refused)).*|twoStepResetTab(Help)?");
    private static final Pattern ARGUMENT = Pattern.compile("\\{(\\d+)");
    /** An argument formatted as a number ({@code {1,choice,…}}, {@code {1,number,integer}}): given 7, shown as 7. */
    private static final Pattern NUMBER_ARGUMENT = Pattern.compile("\\{(\\d+),(choice|number)");

    @Test
    void everyLanguageHasEveryKeyAndNoOther() throws IOException {
        Set<String> english = load("en").stringPropertyNames();
        List<String> faults = new ArrayList<>();
        for (String language : LANGUAGES) {
            Set<String> keys = load(language).stringPropertyNames();
            Set<String> missing = new TreeSet<>(english);
            missing.removeAll(keys);
            Set<String> extra = new TreeSet<>(keys);
            extra.removeAll(english);
            if (!missing.isEmpty()) {
                faults.add(language + " lacks " + missing);
            }
            if (!extra.isEmpty()) {
                faults.add(language + " has keys English lacks: " + extra);
            }
        }
        assertTrue(faults.isEmpty(), String.join("\n", faults));
    }

    /**
     * Each text keeps the placeholders of the English one, and formats as Keycloak formats it (MessageFormat with
     * the language's locale) with every argument in the result and no brace or quote left over: a lone apostrophe,
     * which MessageFormat reads as the start of quoted text, would swallow the rest of the sentence.
     */
    @Test
    void placeholdersAreIntactInEveryLanguage() throws IOException {
        Properties english = load("en");
        List<String> faults = new ArrayList<>();
        for (String language : LANGUAGES) {
            Properties bundle = load(language);
            for (String key : new TreeSet<>(english.stringPropertyNames())) {
                String text = bundle.getProperty(key);
                if (text == null) {
                    continue; // reported by the test above
                }
                Set<Integer> expected = arguments(english.getProperty(key));
                if (!expected.equals(arguments(text))) {
                    faults.add(language + " " + key + ": placeholders " + arguments(text) + ", English has " + expected);
                    continue;
                }
                if (REACT_KEYS.matcher(key).matches()) {
                    if (text.contains("'") || !expected.isEmpty()) {
                        faults.add(language + " " + key + ": shown by a React console, so no ' and no placeholder");
                    }
                    continue;
                }
                Set<Integer> numbers = new TreeSet<>();
                Matcher numeric = NUMBER_ARGUMENT.matcher(text);
                while (numeric.find()) {
                    numbers.add(Integer.parseInt(numeric.group(1)));
                }
                Object[] values = new Object[expected.stream().mapToInt(Integer::intValue).max().orElse(-1) + 1];
                for (int i = 0; i < values.length; i++) {
                    values[i] = numbers.contains(i) ? (Object) 7 : "<arg" + i + ">";
                }
                String formatted;
                try {
                    formatted = new MessageFormat(text, Locale.forLanguageTag(language)).format(values);
                } catch (IllegalArgumentException e) {
                    faults.add(language + " " + key + ": " + e.getMessage());
                    continue;
                }
                for (int argument : expected) {
                    if (!formatted.contains(numbers.contains(argument) ? "7" : "<arg" + argument + ">")) {
                        faults.add(language + " " + key + ": {" + argument + "} is lost: " + formatted);
                    }
                }
                if (formatted.contains("{") || formatted.contains("}") || formatted.contains("'")) {
                    faults.add(language + " " + key + ": a brace or a quote is left over: " + formatted);
                }
            }
        }
        assertTrue(faults.isEmpty(), String.join("\n", faults));
    }

    /**
     * The SMS text of each language, as sent (brand, code, minutes, and the origin-bound last line), with a 20
     * character brand and a 24 character host: its encoding is the one listed here (GSM-7 where the language's
     * letters allow, unicode otherwise) and it fits in one part (GSM-7: 160 characters, extension characters
     * counting twice) or two (unicode: 70 characters alone, 67 per part when split).
     */
    @Test
    void smsTextsFitTheirPartsInEveryLanguage() throws IOException {
        Map<String, String> encodings = new LinkedHashMap<>();
        for (String language : List.of("en", "de", "fr", "es", "it", "nl", "pt", "sv")) {
            encodings.put(language, "GSM-7");
        }
        for (String language : List.of("pl", "cs", "tr", "ja")) {
            encodings.put(language, "UCS-2");
        }
        List<String> faults = new ArrayList<>();
        StringBuilder table = new StringBuilder();
        for (String language : LANGUAGES) {
            String text = SmsText.format(load(language).getProperty(SmsText.MESSAGE_KEY),
                    Locale.forLanguageTag(language), "Example Company Ltd.", "042917", 300, "login.example-company.com");
            boolean gsm = Gsm7.canEncode(text);
            int length = gsm ? septets(text) : text.length();
            int parts = gsm ? (length <= 160 ? 1 : (length + 152) / 153) : (length <= 70 ? 1 : (length + 66) / 67);
            String encoding = gsm ? "GSM-7" : "UCS-2";
            table.append(String.format("%s %s %d characters, %d part(s)%n", language, encoding, length, parts));
            if (!encoding.equals(encodings.get(language))) {
                faults.add(language + " is sent as " + encoding + ", expected " + encodings.get(language) + ": " + text);
            }
            if (parts > (gsm ? 1 : 2)) {
                faults.add(language + " needs " + parts + " parts: " + text);
            }
        }
        assertTrue(faults.isEmpty(), String.join("\n", faults) + "\n" + table);
    }

    /** Keycloak reads theme messages as UTF-8; a file saved in another encoding would show mangled letters. */
    @Test
    void bundlesAreUtf8() throws IOException {
        for (String language : LANGUAGES) {
            try (InputStream in = bundle(language)) {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(in.readAllBytes()));
            } catch (CharacterCodingException e) {
                throw new AssertionError("messages_" + language + ".properties is not UTF-8", e);
            }
        }
    }

    /** GSM 03.38 length: characters of the extension table take two septets. */
    private static int septets(String text) {
        int count = 0;
        for (char c : text.toCharArray()) {
            count += "^{}\\[~]|€\f".indexOf(c) >= 0 ? 2 : 1;
        }
        return count;
    }

    private static Set<Integer> arguments(String text) {
        Set<Integer> found = new TreeSet<>();
        Matcher m = ARGUMENT.matcher(text);
        while (m.find()) {
            found.add(Integer.parseInt(m.group(1)));
        }
        return found;
    }

    private static InputStream bundle(String language) {
        InputStream in = MessageBundlesTest.class.getResourceAsStream("/theme-resources/messages/messages_"
                + language + ".properties");
        assertNotNull(in, "no bundle for " + language);
        return in;
    }

    private static Properties load(String language) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = bundle(language)) {
            properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return properties;
    }
}
