package io.twostep.keycloak.notice;

import java.util.ArrayList;
import java.util.List;

/**
 * One security notice to one user: what happened, with the values its text names. Values are already safe to put in
 * an e-mail: numbers masked ({@code +49•••••••••89}), never a code or a secret.
 *
 * @param kind   what happened
 * @param params the values of the notice's text after the realm's name ({@code {1}}, {@code {2}}, ... of its
 *               message): text, whole numbers, or a {@link MessageKey} that the user's language turns into text
 */
public record SecurityNotice(Kind kind, List<Object> params) {

    /** Message keys of the notices (subject, body and advice: {@code <key>Subject}, {@code <key>Body}, {@code <key>NotYou}). */
    public enum Kind {
        /** A first number was bound: {1} the masked number. */
        NUMBER_BOUND("twoStepNoticeNumberBound"),
        /** The bound number changed: {1} the old, {2} the new number, both masked. */
        NUMBER_CHANGED("twoStepNoticeNumberChanged"),
        /** The user removed a second factor: {1} which. */
        FACTOR_REMOVED("twoStepNoticeFactorRemoved"),
        /** An administrator removed a second factor: {1} which. */
        FACTOR_REMOVED_BY_ADMIN("twoStepNoticeFactorRemovedByAdmin"),
        /** A browser was remembered: {1} its label, {2} when (UTC), {3} the client address. */
        DEVICE_REMEMBERED("twoStepNoticeDeviceRemembered"),
        /** Sign-in by text message is blocked after wrong codes. */
        SMS_BLOCKED("twoStepNoticeSmsBlocked"),
        /** A recovery code was used: {1} how many codes are left. */
        RECOVERY_CODE_USED("twoStepNoticeRecoveryCodeUsed"),
        /** The help desk reset the user's two-step login. */
        HELP_DESK_RESET("twoStepNoticeHelpDeskReset"),
        /** The e-mail address changed; sent to the previous address: {1} the new address, masked. */
        EMAIL_CHANGED("twoStepNoticeEmailChanged");

        private final String key;

        Kind(String key) {
            this.key = key;
        }

        /** @return the stem of the notice's message keys */
        public String key() {
            return key;
        }
    }

    /** A value that is a message key of the e-mail theme, e.g. the name of a kind of second factor. */
    public record MessageKey(String key) {
    }

    /** @return a notice */
    public static SecurityNotice of(Kind kind, Object... params) {
        return new SecurityNotice(kind, List.of(params));
    }

    /**
     * Masks an e-mail address for a notice: the first character of the local part, then {@code •••}, then the
     * domain ({@code m•••@example.org}); a value without {@code @} becomes {@code •••}.
     *
     * @return the masked address; never the whole local part
     */
    public static String maskAddress(String address) {
        if (address == null) {
            return "•••";
        }
        String trimmed = address.strip();
        int at = trimmed.lastIndexOf('@');
        if (at <= 0 || at == trimmed.length() - 1) {
            return "•••";
        }
        return trimmed.substring(0, 1) + "•••" + trimmed.substring(at);
    }

    /** @return the name of a credential type as the e-mail names it, e.g. "authenticator app" for {@code otp} */
    public static MessageKey factorName(String credentialType) {
        return new MessageKey("twoStepNoticeFactor." + credentialType);
    }

    /**
     * @param realmName the realm's name as users see it, {@code {0}} of every message
     * @param texts     resolves a {@link MessageKey}
     * @return {@code {0}} to {@code {4}} for the templates: the realm's name, then the values, padded with empty texts
     */
    List<Object> templateParams(String realmName, java.util.function.Function<String, String> texts) {
        List<Object> all = new ArrayList<>();
        all.add(realmName);
        for (Object p : params) {
            all.add(p instanceof MessageKey key ? texts.apply(key.key()) : p);
        }
        while (all.size() < 5) {
            all.add("");
        }
        return all;
    }
}
