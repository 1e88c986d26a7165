package io.twostep.keycloak.support;

import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.models.credential.RecoveryAuthnCodesCredentialModel;
import org.keycloak.models.utils.RecoveryAuthnCodesUtils;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.PartialImportRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Creates test users in a realm, each with its own test number, through the admin REST API. */
public final class TestUsers {

    public static final String PASSWORD = "correct horse battery staple";
    private static final AtomicInteger SEQUENCE = new AtomicInteger((int) (System.nanoTime() % 500) * 100);

    private TestUsers() {
    }

    /** @return a fresh valid German mobile number, E.164, distinct within this JVM */
    public static String newNumber() {
        String number = String.format("+49151%08d", 10_000_000 + SEQUENCE.incrementAndGet());
        IssuedSecrets.number(number); // the log scan looks for every number the suite made, sent to or not
        return number;
    }

    /** Creates a user with a password and a bound {@code sms-otp} number. */
    public static void withBoundNumber(RealmResource realm, String username, String e164) {
        IssuedSecrets.number(e164);
        UserRepresentation user = base(username);
        user.setAttributes(Map.of("phoneNumber", List.of(e164), "phoneNumberVerified", List.of("true")));
        CredentialRepresentation sms = smsCredential(e164);
        List<CredentialRepresentation> credentials = new ArrayList<>(user.getCredentials());
        credentials.add(sms);
        user.setCredentials(credentials);
        importUser(realm, user);
    }

    /** Raw TOTP secret of users made by {@link #withBoundNumberAndTotp}. */
    public static final String TOTP_SECRET = "two-step-test-totp-secret-0123456";

    /** Creates a user with a password, a bound {@code sms-otp} number and an authenticator app (TOTP). */
    public static void withBoundNumberAndTotp(RealmResource realm, String username, String e164) {
        IssuedSecrets.number(e164);
        UserRepresentation user = base(username);
        CredentialRepresentation sms = smsCredential(e164);
        CredentialRepresentation totp = new CredentialRepresentation();
        totp.setType("otp");
        totp.setUserLabel("phone app");
        totp.setSecretData("{\"value\":\"" + TOTP_SECRET + "\"}");
        totp.setCredentialData("{\"subType\":\"totp\",\"digits\":6,\"period\":30,\"algorithm\":\"HmacSHA1\",\"counter\":0}");
        List<CredentialRepresentation> credentials = new ArrayList<>(user.getCredentials());
        credentials.add(sms);
        credentials.add(totp);
        user.setCredentials(credentials);
        importUser(realm, user);
    }

    /** Creates a user with a password who must set up an SMS number at next login. */
    public static void needingEnrolment(RealmResource realm, String username, String phoneOnFile) {
        UserRepresentation user = base(username);
        user.setRequiredActions(List.of("configure-sms-otp"));
        if (phoneOnFile != null) {
            IssuedSecrets.number(phoneOnFile);
            user.setAttributes(Map.of("phoneNumber", List.of(phoneOnFile)));
        }
        importUser(realm, user);
    }

    /** Creates a user with a password, a bound number and one more stored credential, as an import could carry it. */
    public static void withBoundNumberAndCredential(RealmResource realm, String username, String e164,
                                                    CredentialRepresentation extra) {
        IssuedSecrets.number(e164);
        UserRepresentation user = base(username);
        CredentialRepresentation sms = smsCredential(e164);
        user.setCredentials(List.of(user.getCredentials().get(0), sms, extra));
        importUser(realm, user);
    }

    /**
     * Creates a user with a password, optionally a bound number and an authenticator app, and a set of recovery
     * codes (Keycloak's {@code recovery-authn-codes} credential, made as its set-up page makes it).
     *
     * @param e164  the bound number, or {@code null}
     * @param codes the user's recovery codes, in order; see {@link #newRecoveryCodes()}
     */
    public static void withRecoveryCodes(RealmResource realm, String username, String e164, boolean totp,
                                         List<String> codes) {
        UserRepresentation user = base(username);
        List<CredentialRepresentation> credentials = new ArrayList<>(user.getCredentials());
        if (e164 != null) {
            IssuedSecrets.number(e164);
            user.setAttributes(Map.of("phoneNumber", List.of(e164), "phoneNumberVerified", List.of("true")));
            credentials.add(smsCredential(e164));
        }
        if (totp) {
            CredentialRepresentation app = new CredentialRepresentation();
            app.setType("otp");
            app.setUserLabel("phone app");
            app.setSecretData("{\"value\":\"" + TOTP_SECRET + "\"}");
            app.setCredentialData("{\"subType\":\"totp\",\"digits\":6,\"period\":30,\"algorithm\":\"HmacSHA1\","
                    + "\"counter\":0}");
            credentials.add(app);
        }
        RecoveryAuthnCodesCredentialModel model = RecoveryAuthnCodesCredentialModel.createFromValues(codes,
                System.currentTimeMillis(), null);
        CredentialRepresentation recovery = new CredentialRepresentation();
        recovery.setType(RecoveryAuthnCodesCredentialModel.TYPE);
        recovery.setSecretData(model.getSecretData());
        recovery.setCredentialData(model.getCredentialData());
        recovery.setCreatedDate(model.getCreatedDate());
        credentials.add(recovery);
        user.setCredentials(credentials);
        importUser(realm, user);
    }

    /** @return 12 new recovery codes as Keycloak makes them, each recorded as a secret the log must not hold */
    public static List<String> newRecoveryCodes() {
        List<String> codes = RecoveryAuthnCodesUtils.generateRawCodes();
        codes.forEach(IssuedSecrets::text);
        return codes;
    }

    /** Creates a user with a password only. */
    public static void plain(RealmResource realm, String username) {
        importUser(realm, base(username));
    }

    /** Creates a user with a password and an admin-entered, unproven {@code phoneNumber}. */
    public static void plainWithPhone(RealmResource realm, String username, String phoneNumber) {
        IssuedSecrets.number(phoneNumber);
        UserRepresentation user = base(username);
        user.setAttributes(Map.of("phoneNumber", List.of(phoneNumber), "phoneNumberVerified", List.of("false")));
        importUser(realm, user);
    }

    /** @return the id of a user */
    public static String id(RealmResource realm, String username) {
        return realm.users().searchByUsername(username, true).get(0).getId();
    }

    private static CredentialRepresentation smsCredential(String e164) {
        CredentialRepresentation sms = new CredentialRepresentation();
        sms.setType("sms-otp");
        sms.setUserLabel("test");
        sms.setCreatedDate(System.currentTimeMillis()); // as a bound number has; without it consoles show "Invalid Date"
        sms.setSecretData("{}");
        sms.setCredentialData("{\"phoneNumber\":\"" + e164 + "\"}");
        return sms;
    }

    private static UserRepresentation base(String username) {
        UserRepresentation user = new UserRepresentation();
        user.setUsername(username);
        user.setEnabled(true);
        user.setEmail(username + "@example.org");
        user.setEmailVerified(true);
        user.setRealmRoles(List.of("default-roles-demo")); // an import grants no default roles by itself
        user.setFirstName("Test");
        user.setLastName(username);
        CredentialRepresentation password = new CredentialRepresentation();
        password.setType(CredentialRepresentation.PASSWORD);
        password.setValue(PASSWORD);
        password.setTemporary(false);
        user.setCredentials(List.of(password));
        return user;
    }

    private static void importUser(RealmResource realm, UserRepresentation user) {
        PartialImportRepresentation rep = new PartialImportRepresentation();
        rep.setIfResourceExists(PartialImportRepresentation.Policy.FAIL.name());
        rep.setUsers(List.of(user));
        realm.partialImport(rep).close();
    }
}
