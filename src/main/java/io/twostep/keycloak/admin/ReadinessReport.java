package io.twostep.keycloak.admin;

import io.twostep.keycloak.enforcement.PolicyPaths;
import io.twostep.keycloak.enforcement.RecoveryCodesReadiness;
import io.twostep.keycloak.phone.PhonePolicy;
import io.twostep.keycloak.policy.TwoStepSettings;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How ready a realm is for the two-step toggle: which users have no number, an unusable number, a number shared
 * with another user, or no second factor at all, and whether every way into the realm enforces the policy (flows,
 * client overrides, identity providers, the safety net; see {@link PolicyPaths}). Users are streamed once
 * ({@link ReadinessUsers}); the report also says whether recovery codes work in the realm and how many users have
 * them ({@link RecoveryCodesReadiness}). Ids, usernames, numbers and per-number counts are held in memory (a few
 * MB for 100 000 users).
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
        ReadinessUsers users = ReadinessUsers.of(session, realm);
        ReadinessReport report = of(users, policy, first, max);
        report.flows.putAll(flows(session, realm));
        report.recoveryCodes = RecoveryCodesReadiness.toJson(session, realm, users.withRecoveryCodes());
        return report;
    }

    /**
     * The user side of the report, without the flows.
     *
     * @param facts  the realm's users
     * @param policy phone policy of the realm (what a usable number is)
     * @param first  entries to skip in each category
     * @param max    entries to list per category after skipping
     * @return the report, its {@code flows} empty
     */
    static ReadinessReport of(ReadinessUsers facts, PhonePolicy policy, int first, int max) {
        ReadinessReport report = new ReadinessReport();
        Map<String, Integer> perNumber = new HashMap<>();
        Map<String, List<Entry>> byNumber = new HashMap<>();
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
        return report;
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
        return flows(PolicyPaths.of(session, realm, TwoStepSettings.of(session, realm).method()));
    }

    /** @return the report's {@code flows} of these ways in, see {@link #flows(KeycloakSession, RealmModel)} */
    static Map<String, Object> flows(List<PolicyPaths.Path> paths) {
        Map<String, Object> flows = new LinkedHashMap<>();
        List<Map<String, Object>> overrides = new ArrayList<>();
        List<Map<String, Object>> providers = new ArrayList<>();
        List<Map<String, Object>> actions = new ArrayList<>();
        List<Map<String, Object>> others = new ArrayList<>();
        for (PolicyPaths.Path p : paths) {
            switch (p.kind()) {
                case "browser" -> flows.put(p.kind(), fields("alias", p.alias(), "enforcesPolicy", p.enforces(),
                        "reasons", p.reasons()));
                case "directGrant", "registration", "resetCredentials" -> flows.put(p.kind(), fields("alias",
                        p.alias(), "enforcesPolicy", p.enforces(), "inUse", p.inUse(), "reasons", p.reasons()));
                case "clientOverride" -> {
                    int slash = p.name().lastIndexOf('/');
                    overrides.add(fields("clientId", p.name().substring(0, slash), "binding",
                            p.name().substring(slash + 1), "alias", p.alias(), "inUse", p.inUse(),
                            "enforcesPolicy", p.enforces(), "reasons", p.reasons()));
                }
                case "identityProvider" -> providers.add(fields("alias", p.name(), "postLoginFlow", p.alias(),
                        "enabled", p.inUse(), "enforcesPolicy", p.enforces(), "reasons", p.reasons()));
                case "safetyNet" -> flows.put("safetyNet", fields("requiredAction", p.name(), "enabled",
                        p.enforces(), "reasons", p.reasons()));
                case "enrolmentAction" -> actions.add(fields("requiredAction", p.name(), "enabled", p.enforces(),
                        "reasons", p.reasons()));
                default -> others.add(p.toJson());
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

    /** @return the pairs {@code key, value, key, value, ...} as a JSON object, in order */
    private static Map<String, Object> fields(Object... pairs) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            fields.put((String) pairs[i], pairs[i + 1]);
        }
        return fields;
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
        return waysInSummary(flows(session, realm), realm.getName(), computedAt);
    }

    /** @return the summary of a report's {@code flows}, as the one of a realm gives it */
    static String waysInSummary(Map<String, Object> flows, String realmName, long computedAt) {
        String when = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
                .format(Instant.ofEpochSecond(computedAt).atZone(ZoneOffset.UTC));
        return when + ": browser flow enforces the policy: " + yesNo(flows.get("browser")) + "; direct grant: "
                + yesNo(flows.get("directGrant")) + "; every way in: "
                + (Boolean.TRUE.equals(flows.get("enforcesPolicy")) ? "yes"
                : "no (" + ((List<?>) flows.get("gaps")).size() + " gaps)")
                + ". Users to follow up and the gaps: GET /admin/realms/" + realmName
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
