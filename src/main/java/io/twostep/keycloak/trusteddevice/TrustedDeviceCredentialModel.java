package io.twostep.keycloak.trusteddevice;

import com.fasterxml.jackson.annotation.JsonCreator;
import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.provider.StoredCredentials;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.keycloak.credential.CredentialModel;
import org.keycloak.util.JsonSerialization;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The {@code trusted-device} credential: one browser where the user ticked "Remember this device". It keeps only
 * the SHA-256 of the cookie's secret (docs/security.md S18), never the secret itself.
 * <p>
 * Credential data: {@code {"expiresAt": <epoch ms>, "factors": "<fingerprint>"}}, where the fingerprint identifies the
 * user's password and second factors at the moment of trust (see {@link TrustedDevices#factorsFingerprint}).
 * Secret data: {@code {"tokenHash": "<base64url SHA-256 of the cookie secret>"}}. The label names the browser, the
 * operating system and the date, e.g. {@code "Firefox on Linux, 2026-11-29"}.
 */
public final class TrustedDeviceCredentialModel extends CredentialModel {

    /** Credential type; also the reference category of the {@code trusted-device} condition. */
    public static final String TYPE = TwoStepIds.TRUSTED_DEVICE_CREDENTIAL;

    /** Shape of the credential data: expiry in epoch milliseconds and the factors fingerprint. */
    public record Data(long expiresAt, String factors) {
        @JsonCreator
        public Data(@JsonProperty("expiresAt") long expiresAt, @JsonProperty("factors") String factors) {
            this.expiresAt = expiresAt;
            this.factors = factors;
        }
    }

    /** Shape of the secret data. */
    public record Secret(String tokenHash) {
        @JsonCreator
        public Secret(@JsonProperty("tokenHash") String tokenHash) {
            this.tokenHash = tokenHash;
        }
    }

    private final Data data;
    private final Secret secret;

    private TrustedDeviceCredentialModel(Data data, Secret secret) {
        this.data = data;
        this.secret = secret;
    }

    /**
     * @param label     readable, unique among the user's trusted devices
     * @param createdAt epoch milliseconds
     * @param expiresAt epoch milliseconds
     * @param factors   the factors fingerprint at creation
     * @param tokenHash base64url SHA-256 of the cookie secret
     * @return a new, unsaved credential
     */
    static TrustedDeviceCredentialModel create(String label, long createdAt, long expiresAt, String factors,
                                               String tokenHash) {
        Data data = new Data(expiresAt, factors);
        Secret secret = new Secret(tokenHash);
        return StoredCredentials.fillNew(new TrustedDeviceCredentialModel(data, secret), TYPE, label, createdAt, data,
                secret);
    }

    /**
     * @param stored a stored credential of type {@value #TYPE}
     * @return the typed view
     * @throws UncheckedIOException when its data is not the expected JSON
     */
    public static TrustedDeviceCredentialModel from(CredentialModel stored) {
        Data data;
        Secret secret;
        try {
            data = JsonSerialization.readValue(stored.getCredentialData(), Data.class);
            secret = stored.getSecretData() == null ? new Secret(null)
                    : JsonSerialization.readValue(stored.getSecretData(), Secret.class);
        } catch (IOException | RuntimeException e) {
            throw new UncheckedIOException("unreadable trusted-device credential", new IOException(e));
        }
        return copy(stored, data, secret);
    }

    /**
     * @param stored a stored credential of type {@value #TYPE} whose data could not be read
     * @return a view that trusts nothing (expired, no secret), so pages can still list it for removal
     */
    public static TrustedDeviceCredentialModel voided(CredentialModel stored) {
        return copy(stored, new Data(0, null), new Secret(null));
    }

    private static TrustedDeviceCredentialModel copy(CredentialModel stored, Data data, Secret secret) {
        TrustedDeviceCredentialModel model = StoredCredentials.copyInto(stored,
                new TrustedDeviceCredentialModel(data, secret));
        // A record without a creation time (an edited import) counts as created long ago: expired.
        model.setCreatedDate(stored.getCreatedDate() == null ? 0L : stored.getCreatedDate());
        return model;
    }

    /** @return when the trust ends at the latest, epoch milliseconds */
    public long expiresAt() {
        return data.expiresAt();
    }

    /** @return the factors fingerprint taken when the device was remembered */
    public String factors() {
        return data.factors();
    }

    /** @return base64url SHA-256 of the cookie secret, or {@code null} if unreadable */
    String tokenHash() {
        return secret.tokenHash();
    }
}
