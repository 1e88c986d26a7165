package io.twostep.keycloak.policy;

import io.twostep.keycloak.credential.SmsOtpCredentialModel;
import io.twostep.keycloak.phone.PhonePolicy;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.OTPCredentialModel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;
import java.util.stream.Stream;

import jakarta.persistence.EntityManager;
import org.keycloak.connections.jpa.JpaConnectionProvider;

/**
 * How ready a realm is for the two-step toggle: which users have no number, an unusable number, a number shared
 * with another user, or no second factor at all, and whether every way into the realm enforces the policy (flows,
 * client overrides, identity providers, the safety net; see {@link PolicyPaths}). Users are streamed once from three bulk queries; ids, usernames, numbers and per-number counts are held in
 * memory (a few MB for 100 000 users).
 */
public final class ReadinessReport {

    /** Report categories, in report order. */
    public static final List<String> CATEGORIES =
            List.of("noPhoneNumber", "invalidPhoneNumber", "sharedPhoneNumber", "noSecondFactor");

    /** One user in a category. */
    public record Entry(String id, String username) {
    }

    private final Map<String, Integer> counts = new LinkedHashMap<>();
    private final Map<String, List<Entry>> pages = new LinkedHashMap<>();
    private final Map<String, Object> flows = new LinkedHashMap<>();
    private Map<String, Object> recoveryCodes = Map.of();
    private int users;

    private ReadinessReport() {
        CATEGORIES.forEach(c -> {
            counts.put(c, 0);
            pages.put(c, new ArrayList<>());
        });
    }

    /**
     * @param policy phone policy of the realm (what a usable number is)
     * @param first  entries to skip in each category
     * @param max    entries to list per category after skipping
     * @return the report
     */
    public static ReadinessReport build(KeycloakSession session, RealmModel realm, PhonePolicy policy, int first,
                                        int max) {
        ReadinessReport report = new ReadinessReport();
        Map<String, Integer> perNumber = new HashMap<>();
        Map<String, List<Entry>> byNumber = new HashMap<>();
        UserFacts facts = federated(realm) ? UserFacts.throughModel(session, realm) : UserFacts.bulk(session, realm);
        facts.users().forEach(entry -> {
            report.users++;
            String raw = facts.phoneNumbers().get(entry.id());
            if (raw == null || raw.isBlank()) {
                report.add("noPhoneNumber", entry, first, max);
            } else {
                PhonePolicy.Result result = policy.check(raw);
                if (!result.accepted()) {
                    report.add("invalidPhoneNumber", entry, first, max);
                } else {
                    perNumber.merge(result.e164(), 1, Integer::sum);
                    byNumber.computeIfAbsent(result.e164(), k -> new ArrayList<>(1)).add(entry);
                }
            }
            if (!facts.withSecondFactor().contains(entry.id())) {
                report.add("noSecondFactor", entry, first, max);
            }
        });
        perNumber.forEach((number, count) -> {
            if (count > 1) {
                byNumber.get(number).forEach(e -> report.add("sharedPhoneNumber", e, first, max));
            }
        });
        report.flows.putAll(flows(session, realm));
        report.recoveryCodes = RecoveryCodesReadiness.toJson(session, realm, facts.withRecoveryCodes());
        return report;
    }

    /**
     * Users with their {@code phoneNumber}, whether they have a second factor, and how many have recovery codes.
     */
    private record UserFacts(Stream<Entry> users, Map<String, String> phoneNumbers, Set<String> withSecondFactor,
                             int withRecoveryCodes) {

        /**
         * Three queries on Keycloak's own database, whatever the number of users: per-user model calls would cost
         * two queries per user (minutes for 10 000 users on a cold cache).
         */
        static UserFacts bulk(KeycloakSession session, RealmModel realm) {
            EntityManager em = session.getProvider(JpaConnectionProvider.class).getEntityManager();
            Map<String, String> phones = new HashMap<>();
            em.createQuery("select a.user.id, a.value from UserAttributeEntity a "
                            + "where a.name = 'phoneNumber' and a.user.realmId = :realm", Object[].class)
                    .setParameter("realm", realm.getId()).getResultStream()
                    .forEach(row -> phones.putIfAbsent((String) row[0], (String) row[1]));
            Set<String> factors = new HashSet<>();
            em.createQuery("select distinct c.user.id from CredentialEntity c "
                            + "where c.user.realmId = :realm and c.type in (:types)", String.class)
                    .setParameter("realm", realm.getId())
                    .setParameter("types", List.of(OTPCredentialModel.TYPE, SmsOtpCredentialModel.TYPE))
                    .getResultStream().forEach(factors::add);
            Stream<Entry> users = em.createQuery("select u.id, u.username from UserEntity u "
                            + "where u.realmId = :realm and u.serviceAccountClientLink is null order by u.username",
                            Object[].class)
                    .setParameter("realm", realm.getId()).getResultStream()
                    .map(row -> new Entry((String) row[0], (String) row[1]));
            long withCodes = em.createQuery("select count(distinct c.user.id) from CredentialEntity c "
                            + "where c.user.realmId = :realm and c.type = :type", Long.class)
                    .setParameter("realm", realm.getId()).setParameter("type", RecoveryCodesReadiness.CATEGORY)
                    .getSingleResult();
            return new UserFacts(users, phones, factors, (int) withCodes);
        }

        /** Through the user model, for realms whose users (also) live in a federated store such as LDAP. */
        static UserFacts throughModel(KeycloakSession session, RealmModel realm) {
            Map<String, String> phones = new HashMap<>();
            Set<String> factors = new HashSet<>();
            List<Entry> users = new ArrayList<>();
            int[] withCodes = {0};
            session.users().searchForUserStream(realm, Map.of(UserModel.INCLUDE_SERVICE_ACCOUNT, "false"))
                    .forEach(user -> {
                        users.add(new Entry(user.getId(), user.getUsername()));
                        String phone = user.getFirstAttribute("phoneNumber");
                        if (phone != null) {
                            phones.put(user.getId(), phone);
                        }
                        SecondFactors has = SecondFactors.of(user);
                        if (has.app() || has.sms()) {
                            factors.add(user.getId());
                        }
                        if (user.credentialManager().getStoredCredentialsByTypeStream(RecoveryCodesReadiness.CATEGORY)
                                .findAny().isPresent()) {
                            withCodes[0]++;
                        }
                    });
            return new UserFacts(users.stream(), phones, factors, withCodes[0]);
        }
    }

    private static boolean federated(RealmModel realm) {
        return realm.getComponentsStream(realm.getId(), "org.keycloak.storage.UserStorageProvider").findAny()
                .isPresent();
    }

    private void add(String category, Entry entry, int first, int max) {
        int index = counts.merge(category, 1, Integer::sum) - 1;
        if (index >= first && index < first + max) {
            pages.get(category).add(entry);
        }
    }

    /**
     * Every way into the realm and whether it enforces the policy ({@link PolicyPaths}), in the report's shape:
     * {@code browser}, {@code directGrant}, {@code registration}, {@code resetCredentials} ({@code alias},
     * {@code enforcesPolicy}, {@code reasons}; the last three with {@code inUse}), {@code clientOverrides}
     * ({@code clientId}, {@code binding}, {@code inUse}, ...), {@code identityProviders} ({@code alias} of the provider,
     * {@code postLoginFlow}, ...), {@code safetyNet} and {@code enrolmentActions} ({@code enabled}, {@code reasons}),
     * {@code otherPaths} (reported only), and {@code enforcesPolicy} / {@code gaps} for the whole realm.
     */
    static Map<String, Object> flows(KeycloakSession session, RealmModel realm) {
        List<PolicyPaths.Path> paths = PolicyPaths.of(session, realm,
                TwoStepSettings.fromAttributes(realm.getAttributes()).method());
        Map<String, Object> flows = new LinkedHashMap<>();
        List<Map<String, Object>> overrides = new ArrayList<>();
        List<Map<String, Object>> providers = new ArrayList<>();
        List<Map<String, Object>> actions = new ArrayList<>();
        List<Map<String, Object>> others = new ArrayList<>();
        for (PolicyPaths.Path path : paths) {
            Map<String, Object> check = new LinkedHashMap<>();
            switch (path.kind()) {
                case "browser" -> {
                    check.put("alias", path.alias());
                    check.put("enforcesPolicy", path.enforces());
                    check.put("reasons", path.reasons());
                    flows.put(path.kind(), check);
                }
                case "directGrant", "registration", "resetCredentials" -> {
                    check.put("alias", path.alias());
                    check.put("enforcesPolicy", path.enforces());
                    check.put("inUse", path.inUse());
                    check.put("reasons", path.reasons());
                    flows.put(path.kind(), check);
                }
                case "clientOverride" -> {
                    int slash = path.name().lastIndexOf('/');
                    check.put("clientId", path.name().substring(0, slash));
                    check.put("binding", path.name().substring(slash + 1));
                    check.put("alias", path.alias());
                    check.put("inUse", path.inUse());
                    check.put("enforcesPolicy", path.enforces());
                    check.put("reasons", path.reasons());
                    overrides.add(check);
                }
                case "identityProvider" -> {
                    check.put("alias", path.name());
                    check.put("postLoginFlow", path.alias());
                    check.put("enabled", path.inUse());
                    check.put("enforcesPolicy", path.enforces());
                    check.put("reasons", path.reasons());
                    providers.add(check);
                }
                case "safetyNet" -> {
                    check.put("requiredAction", path.name());
                    check.put("enabled", path.enforces());
                    check.put("reasons", path.reasons());
                    flows.put("safetyNet", check);
                }
                case "enrolmentAction" -> {
                    check.put("requiredAction", path.name());
                    check.put("enabled", path.enforces());
                    check.put("reasons", path.reasons());
                    actions.add(check);
                }
                default -> others.add(path.toJson());
            }
        }
        flows.put("clientOverrides", overrides);
        flows.put("identityProviders", providers);
        flows.put("enrolmentActions", actions);
        flows.put("otherPaths", others);
        List<String> gaps = PolicyPaths.gaps(paths);
        flows.put("enforcesPolicy", gaps.isEmpty());
        flows.put("gaps", gaps);
        return flows;
    }


    /**
     * The part of the report the admin console tab may show: whether the realm's ways in enforce the policy. The tab
     * is a component, readable with {@code view-realm} alone (which also reads the flows); user counts need
     * {@code view-users} and stay in {@code GET …/two-step/readiness}.
     *
     * @param computedAt epoch seconds
     * @return e.g. {@code 2026-11-30 06:10 UTC: browser flow enforces the policy: yes; direct grant: yes; every way
     *         in: yes. User counts: GET /admin/realms/demo/two-step/readiness (view-users).}
     */
    public static String waysInSummary(KeycloakSession session, RealmModel realm, long computedAt) {
        Map<String, Object> flows = flows(session, realm);
        String when = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
                .format(java.time.Instant.ofEpochSecond(computedAt).atZone(java.time.ZoneOffset.UTC));
        return when + ": browser flow enforces the policy: " + yesNo(flows.get("browser")) + "; direct grant: "
                + yesNo(flows.get("directGrant")) + "; every way in: "
                + (Boolean.TRUE.equals(flows.get("enforcesPolicy")) ? "yes"
                : "no (" + ((List<?>) flows.get("gaps")).size() + " gaps)")
                + ". Users to follow up and the gaps: GET /admin/realms/" + realm.getName()
                + "/two-step/readiness (view-realm and view-users).";
    }

    private static String yesNo(Object flowCheck) {
        return flowCheck instanceof Map<?, ?> check && Boolean.TRUE.equals(check.get("enforcesPolicy")) ? "yes" : "no";
    }

    /**
     * @return the JSON shape: {@code users}, each category with {@code count} and {@code users}, {@code flows},
     *         {@code recoveryCodes} (see {@link RecoveryCodesReadiness#toJson})
     */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("users", users);
        for (String category : CATEGORIES) {
            json.put(category, Map.of("count", counts.get(category), "users", pages.get(category)));
        }
        json.put("flows", flows);
        json.put("recoveryCodes", recoveryCodes);
        return json;
    }

    /** @return CSV with a header line {@code category,id,username}, one line per listed user */
    public String toCsv() {
        StringBuilder csv = new StringBuilder("category,id,username\n");
        for (String category : CATEGORIES) {
            for (Entry e : pages.get(category)) {
                csv.append(category).append(',').append(e.id()).append(',').append(csvField(e.username())).append('\n');
            }
        }
        return csv.toString();
    }

    /** RFC 4180 quoting, and a leading quote against spreadsheet formula injection. */
    private static String csvField(String value) {
        String safe = value != null && !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0
                ? "'" + value : value;
        if (safe == null) {
            return "";
        }
        return safe.contains(",") || safe.contains("\"") || safe.contains("\n") || safe.contains("\r")
                ? "\"" + safe.replace("\"", "\"\"") + "\"" : safe;
    }
}
