package io.twostep.keycloak.support;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The log scanner the hygiene test relies on: a planted leak of each kind, in each written form, is found; what only
 * looks like one is not.
 */
class LogScannerTest {

    private static final List<String> SECRETS = List.of(
            "# run test",
            "number:+4915112345678",
            "number:0151 2345 6789", // typed in national form
            "code:482913",
            "text:correct horse battery staple",
            "text:test-api-secret-7f3a91",
            "totp:two-step-test-totp-secret-0123456",
            "fact:signed request received");

    @ParameterizedTest
    @ValueSource(strings = {
            "to=4915112345678&text=hello", // digits only
            "sending to +4915112345678", // E.164
            "to=%2B4915112345678&from=x", // URL-encoded plus
            "number 004915112345678", // international prefix
            "national 015112345678", // trunk zero
            "spaced +49 151 12345678 ok", // spaced
            "punctuated +49 (0)151 1234-5678", // brackets and dash
            "encoded %2B49%20151%2012345678", // URL-encoded spaces
            "json {\"phoneNumber\":\"+49 151 123 456 78\"}",
            "typed 0151 2345 6789", // the second number, as typed
            "other form +49 151 23456789", // the second number, international
            "your login code is 482913.", // code
            "code=482913&x", // code in a form
            "password=correct+horse+battery+staple", // form-encoded
            "password=correct%20horse%20battery%20staple", // URL-encoded
            "credential correct horse battery staple", // as is
            "b64 Y29ycmVjdCBob3JzZSBiYXR0ZXJ5IHN0YXBsZQ", // Base64
            "api_secret=test-api-secret-7f3a91", // API secret
            "otpauth://totp/demo:user?secret=OR3W6LLTORSXALLUMVZXILLUN52HALLTMVRXEZLUFUYDCMRTGQ2TM", // Base32 TOTP
            "totp two-step-test-totp-secret-0123456"})
    void findsAPlantedLeakInEachForm(String line) {
        String log = "2026-11-30 05:00:00,001 INFO [x] start\n2026-11-30 05:00:01,002 DEBUG [y] " + line + "\n";
        List<String> leaks = LogScanner.leaks(log, SECRETS);
        assertEquals(1, leaks.size(), leaks.toString());
        assertTrue(leaks.get(0).endsWith(line), leaks.toString());
    }

    @Test
    void theTotpSecretIsLookedForInBase32AsAuthenticatorLinksCarryIt() {
        // Base32 (RFC 4648, no padding) of the secret, worked out independently of the scanner
        String base32 = "OR3W6LLTORSXALLUMVZXILLUN52HALLTMVRXEZLUFUYDCMRTGQ2TM";
        assertEquals(1, LogScanner.leaks("secret=" + base32 + "&issuer=demo",
                List.of("totp:two-step-test-totp-secret-0123456")).size());
        byte[] raw = "two-step-test-totp-secret-0123456".getBytes(StandardCharsets.UTF_8);
        assertEquals(1, LogScanner.leaks(Base64.getEncoder().encodeToString(raw),
                List.of("totp:two-step-test-totp-secret-0123456")).size(), "and in Base64");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "masked +49 151 ****5678", // masked number
            "request id 7a482913b-1 done", // a code inside a longer id
            "id 1482913 and 4829130", // a code inside a longer number
            "timestamp 1764496815 port 8080", // other digits
            "hash 4915112a345678", // digits broken by a letter
            "sent to +4915112345679", // another number
            "correct horse", // part of the password
            "signed request received"}) // a fact is not a secret
    void ignoresWhatOnlyLooksLikeALeak(String line) {
        assertEquals(List.of(), LogScanner.leaks("2026-11-30 05:00:01,002 DEBUG [y] " + line, SECRETS));
    }

    @Test
    void linesWithoutAKindKeepTheirOldMeaning() {
        List<String> raw = List.of("4915112345678", "735102", "cookie-secret-abc");
        assertEquals(3, LogScanner.leaks("a +49 151 12345678\nb 735102\nc cookie-secret-abc", raw).size());
    }
}
