package io.twostep.keycloak.trusteddevice;

import io.twostep.keycloak.policy.SecondFactors;
import io.twostep.keycloak.policy.TwoStepPolicy;
import io.twostep.keycloak.policy.TwoStepSettings;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.NewCookie;
import org.keycloak.authentication.AuthenticatorUtil;
import org.keycloak.authentication.CredentialAction;
import org.keycloak.authentication.CredentialRegistrator;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.authentication.authenticators.util.AcrStore;
import org.keycloak.common.util.SecretGenerator;
import org.keycloak.common.util.Time;
import org.keycloak.credential.CredentialModel;
import org.keycloak.device.DeviceRepresentationProvider;
import org.keycloak.models.AuthenticationFlowModel;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.PasswordCredentialModel;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.representations.account.DeviceRepresentation;
import org.keycloak.services.resources.RealmsResource;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.utils.SecureContextResolver;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Remembered devices of one user in one realm: the cookie, the {@code trusted-device} credential behind it, and the
 * check that decides whether this browser may skip the second step.
 * <p>
 * The cookie holds {@code <credential id>.<secret>}; the secret is 256 random bits from Keycloak's
 * {@link SecretGenerator}, and only its SHA-256 is stored (docs/security.md S18). Its name carries a digest of realm
 * and user id, and its path is the realm's, so users and realms sharing a browser never overwrite each other's
 * cookie (S19, S20); the lookup is among this user's credentials only, so a copied cookie finds nothing.
 */
public final class TrustedDevices {

    /** Cookie name prefix; the rest is a digest of realm and user id. */
    public static final String COOKIE_PREFIX = "KC_TWO_STEP_DEVICE_";
    /** Most remembered devices a user keeps; remembering one more forgets the oldest. */
    static final int MAX_DEVICES = 20;
    /** Secret length in bytes (256 bits). */
    static final int SECRET_BYTES = 32;
    /** Credential types that are not factors: history entries and the trust records themselves. */
    private static final Set<String> NOT_FACTORS = Set.of(TrustedDeviceCredentialModel.TYPE,
            PasswordCredentialModel.PASSWORD_HISTORY);

    /** The outcome of {@link #check}: the verdict and, when trusted, the record. */
    public record Check(TrustRules.Verdict verdict, TrustedDeviceCredentialModel device) {
    }

    private TrustedDevices() {
    }

    /**
     * @return the name of this user's trust cookie in this realm: {@value #COOKIE_PREFIX} and 22 base64url
     * characters of SHA-256(realm id, user id)
     */
    public static String cookieName(RealmModel realm, UserModel user) {
        return COOKIE_PREFIX + sha256(realm.getId() + "/" + user.getId()).substring(0, 22);
    }

    /**
     * Checks this browser's trust for the user in this login, and ends void trust (record removed, cookie expired).
     *
     * @param topLevelFlow the login's top-level flow, for the level of authentication an account action needs
     * @return the verdict; {@link TrustRules.Verdict#TRUSTED} carries the record
     */
    public static Check check(KeycloakSession session, RealmModel realm, UserModel user,
                              AuthenticationSessionModel authSession, AuthenticationFlowModel topLevelFlow) {
        Duration lifetime = TwoStepSettings.of(session, realm).trustedDeviceLifetime();
        Cookie cookie = session.getContext().getRequestHeaders().getCookies().get(cookieName(realm, user));
        if (cookie == null || cookie.getValue() == null || cookie.getValue().isEmpty()) {
            return new Check(TrustRules.Verdict.NO_COOKIE, null);
        }
        TrustRules.Request request = request(session, authSession, topLevelFlow);
        TrustRules.Verdict early = TrustRules.beforeRecord(lifetime, AuthenticatorUtil.isPasswordValidated(authSession),
                user.getFederationLink() != null, credentialSetUpPending(session, realm, user, authSession), request);
        if (early != null) {
            return new Check(early, null);
        }
        String[] parts = cookie.getValue().split("\\.", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty() || parts[0].length() > 64
                || parts[1].length() > 64) {
            clearCookie(session, realm, user);
            return new Check(TrustRules.Verdict.MALFORMED, null);
        }
        CredentialModel stored = user.credentialManager().getStoredCredentialById(parts[0]);
        if (stored == null || !TrustedDeviceCredentialModel.TYPE.equals(stored.getType())) {
            clearCookie(session, realm, user);
            return new Check(TrustRules.Verdict.UNKNOWN_DEVICE, null);
        }
        TrustedDeviceCredentialModel device = readable(stored);
        if (device == null) { // edited into something unreadable: void
            user.credentialManager().removeStoredCredentialById(stored.getId());
            clearCookie(session, realm, user);
            return new Check(TrustRules.Verdict.UNKNOWN_DEVICE, null);
        }
        String expected = device.tokenHash();
        if (expected == null || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                sha256(parts[1]).getBytes(StandardCharsets.US_ASCII))) {
            clearCookie(session, realm, user);
            return new Check(TrustRules.Verdict.WRONG_SECRET, null);
        }
        TrustRules.Verdict verdict = TrustRules.onRecord(device.getCreatedDate(), device.expiresAt(),
                device.factors(), factorsFingerprint(user), user.isEnabled(), lifetime, request,
                Time.currentTimeMillis());
        if (verdict.endsTrust()) {
            user.credentialManager().removeStoredCredentialById(device.getId());
            clearCookie(session, realm, user);
        }
        return new Check(verdict, device);
    }

    /**
     * Remembers this browser for the user: stores a new record, replaces the one this browser held before, removes
     * expired ones and, beyond {@value #MAX_DEVICES}, the oldest, and sets the cookie.
     *
     * @param lifetime the realm's {@code twoStep.trustedDeviceDays} (1–365 days)
     * @return the stored record
     */
    public static TrustedDeviceCredentialModel remember(KeycloakSession session, RealmModel realm, UserModel user,
                                                        Duration lifetime) {
        long now = Time.currentTimeMillis();
        forgetThisBrowser(session, realm, user);
        removeExpired(user, lifetime, now);
        List<TrustedDeviceCredentialModel> kept = list(user);
        kept.stream().skip(MAX_DEVICES - 1L)
                .forEach(d -> user.credentialManager().removeStoredCredentialById(d.getId()));
        String secret = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(SecretGenerator.getInstance().randomBytes(SECRET_BYTES));
        TrustedDeviceCredentialModel model = TrustedDeviceCredentialModel.create(uniqueLabel(session, user, now),
                now, TrustRules.expiryFor(lifetime, now), factorsFingerprint(user), sha256(secret));
        CredentialModel stored = user.credentialManager().createStoredCredential(model);
        setCookie(session, realm, user, stored.getId() + "." + secret, (int) lifetime.toSeconds());
        return TrustedDeviceCredentialModel.from(stored);
    }

    /**
     * Identifies the user's password and second factors as they are now: SHA-256 over each credential's type, id
     * and creation time. Changing the password (by the user or an admin), adding, removing or replacing a second
     * factor, or binding another number all change it, whatever path made the change (docs/security.md S22).
     *
     * @return base64url SHA-256
     */
    public static String factorsFingerprint(UserModel user) {
        return sha256(user.credentialManager().getStoredCredentialsStream()
                .filter(c -> !NOT_FACTORS.contains(c.getType()))
                .map(c -> c.getType() + ":" + c.getId() + ":" + c.getCreatedDate())
                .sorted()
                .collect(Collectors.joining("\n")));
    }

    /** @return the user's remembered devices, newest first; an unreadable record shows as expired */
    public static List<TrustedDeviceCredentialModel> list(UserModel user) {
        return user.credentialManager().getStoredCredentialsByTypeStream(TrustedDeviceCredentialModel.TYPE)
                .map(stored -> {
                    TrustedDeviceCredentialModel device = readable(stored);
                    return device != null ? device : TrustedDeviceCredentialModel.voided(stored); // expired: cleaned up
                })
                .sorted((a, b) -> Long.compare(b.getCreatedDate(), a.getCreatedDate()))
                .toList();
    }

    /**
     * Ends every remembered device of the user.
     *
     * @return how many records were removed
     */
    public static int removeAll(UserModel user) {
        List<String> ids = user.credentialManager().getStoredCredentialsByTypeStream(TrustedDeviceCredentialModel.TYPE)
                .map(CredentialModel::getId).toList();
        ids.forEach(id -> user.credentialManager().removeStoredCredentialById(id));
        return ids.size();
    }

    /**
     * Whether this login will set up or change a credential: the realm's policy asks the user to enrol, or a
     * credential action (app, SMS number, security key, ...) waits on the user or on this login, e.g. one an admin
     * put on the user. Such a set-up needs the current factor used first.
     */
    public static boolean credentialSetUpPending(KeycloakSession session, RealmModel realm, UserModel user,
                                                 AuthenticationSessionModel authSession) {
        SecondFactors factors = SecondFactors.of(user);
        if (TwoStepPolicy.enrolment(TwoStepSettings.of(session, realm), factors.app(),
                factors.sms(), Time.currentTime()).enrolment() != TwoStepPolicy.Enrolment.NONE) {
            return true;
        }
        return Stream.concat(user.getRequiredActionsStream(), authSession.getRequiredActions().stream())
                .map(realm::getRequiredActionProviderByAlias)
                .filter(model -> model != null && model.isEnabled()) // Keycloak skips the others too
                .map(model -> session.getProvider(RequiredActionProvider.class, model.getProviderId()))
                .anyMatch(p -> p instanceof CredentialRegistrator || p instanceof CredentialAction);
    }

    private static TrustRules.Request request(KeycloakSession session, AuthenticationSessionModel authSession,
                                              AuthenticationFlowModel topLevelFlow) {
        String prompt = authSession.getClientNote(OIDCLoginProtocol.PROMPT_PARAM);
        boolean promptLogin = prompt != null
                && Set.of(prompt.split(" ")).contains(OIDCLoginProtocol.PROMPT_VALUE_LOGIN);
        Integer requestedByClient = integer(authSession.getClientNote(Constants.REQUESTED_LEVEL_OF_AUTHENTICATION));
        int requested = requestedByClient == null ? Constants.NO_LOA : requestedByClient;
        try {
            requested = Math.max(requested,
                    new AcrStore(session, authSession).getRequestedLevelOfAuthentication(topLevelFlow));
        } catch (RuntimeException e) {
            requested = Integer.MAX_VALUE; // unreadable: ask for everything rather than skip
        }
        return new TrustRules.Request(promptLogin,
                integer(authSession.getClientNote(OIDCLoginProtocol.MAX_AGE_PARAM)),
                requested == Constants.NO_LOA ? null : requested,
                authSession.getClientNote(Constants.KC_ACTION) != null,
                AuthenticatorUtil.isForcedReauthentication(authSession));
    }

    private static Integer integer(String value) {
        if (value == null) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            // Keycloak validated it already; an unreadable value must not let trust through
            return 0;
        }
    }

    /** @return the typed record, or {@code null} when its stored data is not what this extension writes */
    private static TrustedDeviceCredentialModel readable(CredentialModel stored) {
        try {
            return TrustedDeviceCredentialModel.from(stored);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Removes the record this browser's cookie names, so one browser holds one record. */
    private static void forgetThisBrowser(KeycloakSession session, RealmModel realm, UserModel user) {
        Cookie cookie = session.getContext().getRequestHeaders().getCookies().get(cookieName(realm, user));
        if (cookie == null || cookie.getValue() == null) {
            return;
        }
        String id = cookie.getValue().split("\\.", 2)[0];
        CredentialModel stored = id.isEmpty() || id.length() > 64 ? null
                : user.credentialManager().getStoredCredentialById(id);
        if (stored != null && TrustedDeviceCredentialModel.TYPE.equals(stored.getType())) {
            user.credentialManager().removeStoredCredentialById(id);
        }
    }

    /** Removes records past their expiry or past the realm's current lifetime. */
    static void removeExpired(UserModel user, Duration lifetime, long nowMs) {
        list(user).stream()
                .filter(d -> TrustRules.expired(d.getCreatedDate(), d.expiresAt(), lifetime, nowMs))
                .forEach(d -> user.credentialManager().removeStoredCredentialById(d.getId()));
    }

    /** @return e.g. {@code "Firefox on Linux, 2026-11-29"}, with " (2)" and up when the user has it already */
    private static String uniqueLabel(KeycloakSession session, UserModel user, long now) {
        DeviceRepresentationProvider devices = session.getProvider(DeviceRepresentationProvider.class);
        DeviceRepresentation device = devices == null ? null : devices.deviceRepresentation();
        String browser = device == null || device.getBrowser() == null ? DeviceRepresentation.UNKNOWN
                : device.getBrowser().split("/", 2)[0];
        String os = device == null || device.getOs() == null ? DeviceRepresentation.UNKNOWN : device.getOs();
        String base = shorten(browser) + " on " + shorten(os) + ", " + isoDate(now);
        Set<String> taken = user.credentialManager().getStoredCredentialsByTypeStream(TrustedDeviceCredentialModel.TYPE)
                .map(CredentialModel::getUserLabel).filter(l -> l != null)
                .map(l -> l.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        String label = base;
        for (int n = 2; taken.contains(label.toLowerCase(Locale.ROOT)); n++) {
            label = base + " (" + n + ")";
        }
        return label;
    }

    /** Parsed User-Agent parts are short; a crafted one must not overflow the label column (255). */
    private static String shorten(String part) {
        return part.length() <= 60 ? part : part.substring(0, 60);
    }

    private static void setCookie(KeycloakSession session, RealmModel realm, UserModel user, String value,
                                  int maxAgeSeconds) {
        String path = RealmsResource.realmBaseUrl(session.getContext().getUri()).path("/")
                .build(realm.getName()).getRawPath();
        session.getContext().getHttpResponse().setCookieIfAbsent(new NewCookie.Builder(cookieName(realm, user))
                .version(1)
                .value(value)
                .path(path)
                .maxAge(maxAgeSeconds)
                .secure(SecureContextResolver.isSecureContext(session))
                .httpOnly(true)
                .sameSite(NewCookie.SameSite.STRICT)
                .build());
    }

    /** Expires this user's trust cookie in the browser. */
    static void clearCookie(KeycloakSession session, RealmModel realm, UserModel user) {
        setCookie(session, realm, user, "", 0);
    }

    static String sha256(String value) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    /** @return the date part of a timestamp, for pages: ISO {@code yyyy-mm-dd} in UTC */
    static String isoDate(long epochMs) {
        return Instant.ofEpochMilli(epochMs).atZone(ZoneOffset.UTC).toLocalDate().toString();
    }
}
