package io.twostep.keycloak.trusteddevice;

import io.twostep.keycloak.support.Fakes;
import org.junit.jupiter.api.Test;
import org.keycloak.credential.CredentialModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.SubjectCredentialManager;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.PasswordCredentialModel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parts of {@link TrustedDevices} that need no request: the cookie's name, the factors fingerprint, and the
 * listing and removal of records, on a user whose credentials live in memory.
 */
class TrustedDevicesTest {

    private static final long DAY = 86_400_000L;
    private static final long T0 = 1_800_000_000_000L;

    private final List<CredentialModel> stored = new ArrayList<>();
    private final UserModel user = user("u1", stored);

    private static UserModel user(String id, List<CredentialModel> credentials) {
        SubjectCredentialManager manager = Fakes.of(SubjectCredentialManager.class, Fakes.answers()
                .answering("getStoredCredentialsStream", args -> new ArrayList<>(credentials).stream())
                .answering("getStoredCredentialsByTypeStream", args -> new ArrayList<>(credentials).stream()
                        .filter(c -> c.getType().equals(args[0])))
                .answering("getStoredCredentialById", args -> credentials.stream()
                        .filter(c -> c.getId().equals(args[0])).findFirst().orElse(null))
                .answering("removeStoredCredentialById", args -> credentials.removeIf(c -> c.getId().equals(args[0]))));
        return Fakes.of(UserModel.class, Fakes.answers().returning("getId", id)
                .returning("credentialManager", manager));
    }

    private CredentialModel credential(String id, String type, long created) {
        CredentialModel model = new CredentialModel();
        model.setId(id);
        model.setType(type);
        model.setCreatedDate(created);
        stored.add(model);
        return model;
    }

    private TrustedDeviceCredentialModel device(String id, long created, long expires) {
        TrustedDeviceCredentialModel device = TrustedDeviceCredentialModel.create("Firefox on Linux " + id, created,
                expires, "f", "hash");
        device.setId(id);
        stored.add(device);
        return device;
    }

    @Test
    void theCookieNameIsPerRealmAndUserAndCarriesNeither() {
        RealmModel realm = Fakes.named(RealmModel.class, "realm-1", "demo");
        RealmModel other = Fakes.named(RealmModel.class, "realm-2", "other");
        String name = TrustedDevices.cookieName(realm, user);
        assertTrue(name.matches(TrustedDevices.COOKIE_PREFIX + "[A-Za-z0-9_-]{22}"), name);
        assertEquals(name, TrustedDevices.cookieName(realm, user), "stable");
        assertNotEquals(name, TrustedDevices.cookieName(other, user));
        assertNotEquals(name, TrustedDevices.cookieName(realm, user("u2", new ArrayList<>())));
        assertTrue(!name.contains("realm-1") && !name.contains("u1"));
    }

    @Test
    void theFingerprintChangesWithEveryFactorButNotWithTrustRecordsOrPasswordHistory() {
        credential("p1", PasswordCredentialModel.TYPE, T0);
        credential("o1", "otp", T0);
        String before = TrustedDevices.factorsFingerprint(user);
        device("d1", T0, T0 + DAY);
        credential("h1", PasswordCredentialModel.PASSWORD_HISTORY, T0);
        assertEquals(before, TrustedDevices.factorsFingerprint(user), "remembered devices and history do not count");

        credential("s1", "sms-otp", T0 + 1);
        String withSms = TrustedDevices.factorsFingerprint(user);
        assertNotEquals(before, withSms, "a factor added");
        stored.removeIf(c -> c.getId().equals("p1"));
        credential("p2", PasswordCredentialModel.TYPE, T0 + 2);
        assertNotEquals(withSms, TrustedDevices.factorsFingerprint(user), "the password replaced");
    }

    @Test
    void theFingerprintDoesNotDependOnTheOrderCredentialsComeIn() {
        credential("a", "otp", T0);
        credential("b", "sms-otp", T0);
        String one = TrustedDevices.factorsFingerprint(user);
        stored.add(stored.remove(0));
        assertEquals(one, TrustedDevices.factorsFingerprint(user));
    }

    @Test
    void devicesAreListedNewestFirstAndAnUnreadableOneAsExpired() {
        device("old", T0, T0 + 90 * DAY);
        device("new", T0 + DAY, T0 + 91 * DAY);
        CredentialModel broken = credential("broken", TrustedDeviceCredentialModel.TYPE, T0 + 2 * DAY);
        broken.setCredentialData("not json");
        List<TrustedDeviceCredentialModel> listed = TrustedDevices.list(user);
        assertEquals(List.of("broken", "new", "old"), listed.stream().map(CredentialModel::getId).toList());
        assertEquals(0, listed.get(0).expiresAt(), "void: trusts nothing");
    }

    @Test
    void expiredRecordsGoByTheirExpiryOrTheRealmsShorterLifetime() {
        device("expired", T0, T0 + DAY);
        device("past-lifetime", T0, T0 + 90 * DAY);
        device("fresh", T0 + 9 * DAY, T0 + 99 * DAY);
        TrustedDevices.removeExpired(user, Duration.ofDays(5), T0 + 6 * DAY);
        assertEquals(List.of("fresh"), stored.stream().map(CredentialModel::getId).toList());
    }

    @Test
    void removeAllEndsEveryRecordAndNothingElse() {
        credential("o1", "otp", T0);
        device("d1", T0, T0 + DAY);
        device("d2", T0, T0 + DAY);
        assertEquals(2, TrustedDevices.removeAll(user));
        assertEquals(List.of("o1"), stored.stream().map(CredentialModel::getId).toList());
        assertEquals(0, TrustedDevices.removeAll(user));
    }

    @Test
    void datesOnPagesAreUtcDays() {
        assertEquals("2027-01-15", TrustedDevices.isoDate(T0));
        assertEquals(43, TrustedDevices.sha256("x").length(), "base64url SHA-256 without padding");
    }
}
