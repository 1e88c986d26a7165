package io.twostep.keycloak.smscode;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Keyed hashes of one-time codes: HMAC-SHA256 over {@code binding + "\n" + code}. Only the hash is stored in the
 * authentication session (docs/security.md S10); the binding ties it to that session (S03); comparison is constant-time
 * over fixed-length MACs (S09).
 */
public final class CodeHasher {

    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKey key;

    /**
     * @param key the secret key; the realm's HMAC signing key in production, so every cluster node agrees
     */
    public CodeHasher(SecretKey key) {
        this.key = new SecretKeySpec(key.getEncoded(), ALGORITHM);
    }

    /**
     * @param binding what the code belongs to (authentication session and tab)
     * @param code    the digits
     * @return the URL-safe Base64 HMAC, 43 characters
     */
    public String hash(String binding, String code) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(binding, code));
    }

    /**
     * @param storedHash a value from {@link #hash}
     * @param binding    the same binding as when hashing
     * @param candidate  what the user typed
     * @return {@code true} when the candidate is the code; time does not depend on where they differ
     */
    public boolean matches(String storedHash, String binding, String candidate) {
        byte[] expected;
        try {
            expected = Base64.getUrlDecoder().decode(storedHash);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(expected, mac(binding, candidate));
    }

    private byte[] mac(String binding, String code) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal((binding + "\n" + code).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}
