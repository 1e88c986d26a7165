package io.twostep.keycloak.smscode;

import io.twostep.keycloak.sms.Gsm7;
import org.junit.jupiter.api.Test;

import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodeAndTextTest {

    private final CodeHasher hasher = new CodeHasher(
            new SecretKeySpec("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8), "HmacSHA512"));

    @Test
    void hashIsKeyedBoundAndNeverTheCode() {
        String hash = hasher.hash("session/tab/+4915112345678", "482913");
        assertFalse(hash.contains("482913"));
        assertEquals(43, hash.length());
        assertTrue(hasher.matches(hash, "session/tab/+4915112345678", "482913"));
        assertFalse(hasher.matches(hash, "session/tab/+4915112345678", "482914"));
        assertFalse(hasher.matches(hash, "other-session/tab/+4915112345678", "482913"), "bound to the session");
        assertFalse(hasher.matches(hash, "session/tab/+4915112345679", "482913"), "bound to the number");
        assertFalse(hasher.matches("not base64 !", "session/tab/+4915112345678", "482913"));
        CodeHasher otherKey = new CodeHasher(
                new SecretKeySpec("fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.UTF_8), "HmacSHA512"));
        assertNotEquals(hash, otherKey.hash("session/tab/+4915112345678", "482913"));
    }

    @Test
    void settingsAreClampedToSafeBounds() {
        SmsCodeSettings weak = SmsCodeSettings.from(Map.of(SmsCodeSettings.CODE_LENGTH, "4",
                SmsCodeSettings.CODE_TTL, "86400", SmsCodeSettings.ATTEMPTS, "1000", SmsCodeSettings.COOLDOWN, "0",
                SmsCodeSettings.SENDS, "50"));
        assertEquals(new SmsCodeSettings(6, 600, 10, 30, 3), weak);
        assertEquals(SmsCodeSettings.DEFAULTS, SmsCodeSettings.from(Map.of(SmsCodeSettings.CODE_LENGTH, "six")));
        assertEquals(SmsCodeSettings.DEFAULTS, SmsCodeSettings.from(null));
        assertEquals(new SmsCodeSettings(6, 300, 5, 30, 3), SmsCodeSettings.DEFAULTS);
    }

    @Test
    void smsTextEndsWithTheOriginBoundLine() {
        String text = SmsText.format("{0}: your login code is {1}. It is valid for {2} minutes.", Locale.ENGLISH,
                "Acme", "004711", 300, "login.acme.example");
        assertEquals("Acme: your login code is 004711. It is valid for 5 minutes.\n\n@login.acme.example #004711", text);
        assertTrue(SmsText.format("{1} ({2} min)", Locale.GERMAN, "B", "123456", 61, "h").startsWith("123456 (2 min)"));
    }

    @Test
    void gsmAlphabetDecidesUnicode() {
        assertTrue(Gsm7.canEncode("Ihr Anmeldecode lautet 123456. Er ist 5 Minuten gültig.\n\n@login.example #123456"));
        assertTrue(Gsm7.canEncode("Price: 5€ [ok]"));
        assertFalse(Gsm7.canEncode("Ваш код 123456"));
        assertFalse(Gsm7.canEncode("Code 123456 ✓"));
    }
}
