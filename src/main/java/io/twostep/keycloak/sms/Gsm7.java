package io.twostep.keycloak.sms;

/**
 * The GSM 03.38 default alphabet (3GPP TS 23.038 §6.2.1) and its extension table. A text made only of these
 * characters can go as a plain SMS; anything else must be sent as unicode (UCS-2), which halves the part size.
 */
public final class Gsm7 {

    private static final String BASIC =
            "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                    + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    private static final String EXTENSION = "^{}\\[~]|€\f";

    private Gsm7() {
    }

    /**
     * @param text any text
     * @return {@code true} when every character is in the GSM 03.38 alphabet or its extension table
     */
    public static boolean canEncode(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (BASIC.indexOf(c) < 0 && EXTENSION.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }
}
