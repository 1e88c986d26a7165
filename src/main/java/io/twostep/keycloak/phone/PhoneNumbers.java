package io.twostep.keycloak.phone;

import com.google.i18n.phonenumbers.PhoneNumberUtil;

import java.util.Set;

/** Display helpers for numbers that are already E.164. */
public final class PhoneNumbers {

    private static final char BULLET = '\u2022';
    private static final String UNKNOWN = "unknown";

    private PhoneNumbers() {
    }

    /**
     * Masks a number for pages, logs and events: keeps the {@code +}, the first two digits and the last two.
     * docs/security.md S11.
     *
     * @param e164 number in E.164 with {@code +}, e.g. {@code +4915123456789}
     * @return e.g. {@code +49•••••••••89}; {@code •••} for {@code null} or very short input
     */
    public static String mask(String e164) {
        if (e164 == null) {
            return "\u2022\u2022\u2022";
        }
        String digits = e164.startsWith("+") ? e164.substring(1) : e164;
        if (digits.length() < 6) {
            return "\u2022\u2022\u2022";
        }
        StringBuilder masked = new StringBuilder("+").append(digits, 0, 2);
        for (int i = 2; i < digits.length() - 2; i++) {
            masked.append(BULLET);
        }
        return masked.append(digits, digits.length() - 2, digits.length()).toString();
    }

    /**
     * @param input what a user typed or sent, any text
     * @return whether it holds the mask's bullet ({@code •}), as a masked number edited in place does
     */
    public static boolean isMasked(String input) {
        return input.indexOf(BULLET) >= 0;
    }

    /**
     * @param e164 number in E.164 with {@code +}, e.g. {@code +4915123456789}
     * @return its country calling code (ITU-T E.164) without {@code +}, e.g. {@code 49}; {@code unknown} when the
     *         input is not {@code +} and digits, or its first digits are no assigned calling code
     */
    public static String callingCode(String e164) {
        if (e164 == null || e164.length() < 2 || e164.charAt(0) != '+' || e164.charAt(1) == '0'
                || !e164.chars().skip(1).allMatch(c -> c >= '0' && c <= '9')) {
            return UNKNOWN;
        }
        // The first one to three digits that are an assigned code in libphonenumber's table (the codes form a
        // prefix code: no code starts another), not a parse of the whole number: this labels metrics on every send
        // and every code entered.
        Set<Integer> assigned = PhoneNumberUtil.getInstance().getSupportedCallingCodes();
        for (int length = 1; length <= 3 && length < e164.length(); length++) {
            int code = Integer.parseInt(e164, 1, 1 + length, 10);
            if (assigned.contains(code)) {
                return Integer.toString(code);
            }
        }
        return UNKNOWN;
    }
}
