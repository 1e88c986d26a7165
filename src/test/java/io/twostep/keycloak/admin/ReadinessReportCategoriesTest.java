package io.twostep.keycloak.admin;

import io.twostep.keycloak.enforcement.PolicyPaths;
import io.twostep.keycloak.phone.PhonePolicy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The readiness report from a realm's users and ways in, without Keycloak: which user lands in which category, how a
 * page of each is cut, the CSV's quoting, and the shape and summary of the flows.
 */
class ReadinessReportCategoriesTest {

    private static final PhonePolicy POLICY = new PhonePolicy(null, Set.of());

    private static ReadinessReport.Entry user(String name) {
        return new ReadinessReport.Entry("id-" + name, name);
    }

    private static ReadinessReport report(int first, int max) {
        ReadinessUsers users = new ReadinessUsers(Stream.of(user("ann"), user("ben"), user("cat"), user("dan"),
                user("eve")),
                Map.of("id-ben", "+4915112345678", "id-cat", "12345", "id-dan", "+4915112345678",
                        "id-eve", "+49 151 23456789"),
                Set.of("id-ben", "id-eve"), 0);
        return ReadinessReport.of(users, POLICY, first, max);
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(Map<String, Object> json, String category) {
        return ((List<ReadinessReport.Entry>) ((Map<String, Object>) json.get(category)).get("users")).stream()
                .map(ReadinessReport.Entry::username).toList();
    }

    @SuppressWarnings("unchecked")
    private static int count(Map<String, Object> json, String category) {
        return (int) ((Map<String, Object>) json.get(category)).get("count");
    }

    @Test
    void eachUserLandsInEveryCategoryThatFits() {
        Map<String, Object> json = report(0, 100).toJson();
        assertEquals(5, json.get("users"));
        assertEquals(List.of("ann"), names(json, "noPhoneNumber"));
        assertEquals(List.of("cat"), names(json, "invalidPhoneNumber"), "no country code, no default region");
        assertEquals(List.of("ben", "dan"), names(json, "sharedPhoneNumber"));
        assertEquals(List.of("ann", "cat", "dan"), names(json, "noSecondFactor"));
        assertEquals(List.copyOf(ReadinessReport.CATEGORIES), json.keySet().stream()
                .filter(ReadinessReport.CATEGORIES::contains).toList(), "categories in report order");
    }

    @Test
    void pagesAreCutPerCategoryAndCountsStayWhole() {
        Map<String, Object> json = report(1, 1).toJson();
        assertEquals(List.of("cat"), names(json, "noSecondFactor"));
        assertEquals(3, count(json, "noSecondFactor"));
        assertEquals(List.of(), names(json, "noPhoneNumber"));
        assertEquals(1, count(json, "noPhoneNumber"));
    }

    @Test
    void theCsvQuotesFieldsAndDisarmsFormulas() {
        ReadinessUsers users = new ReadinessUsers(Stream.of(user("=cmd()"), user("a,b"), user("say \"hi\"")),
                Map.of(), Set.of(), 0);
        String csv = ReadinessReport.of(users, POLICY, 0, 100).toCsv();
        assertEquals("category,id,username\n"
                + "noPhoneNumber,id-=cmd(),'=cmd()\n"
                + "noPhoneNumber,id-a,b,\"a,b\"\n"
                + "noPhoneNumber,id-say \"hi\",\"say \"\"hi\"\"\"\n"
                + "noSecondFactor,id-=cmd(),'=cmd()\n"
                + "noSecondFactor,id-a,b,\"a,b\"\n"
                + "noSecondFactor,id-say \"hi\",\"say \"\"hi\"\"\"\n", csv);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theFlowsSayPerWayInWhetherItEnforcesThePolicyAndSumUpTheGaps() {
        List<PolicyPaths.Path> paths = List.of(
                new PolicyPaths.Path("browser", "browser", "browser two-step", true, true, List.of(), true),
                new PolicyPaths.Path("directGrant", "direct grant", "direct grant", true, false,
                        List.of("no guard"), true),
                new PolicyPaths.Path("clientOverride", "app/browser", "custom", false, false, List.of("x"), true),
                new PolicyPaths.Path("identityProvider", "github", null, true, false, List.of("no flow"), true),
                new PolicyPaths.Path("safetyNet", "two-step-login-check", null, true, true, List.of(), true),
                new PolicyPaths.Path("other", "app/ciba", null, true, false, List.of("ciba"), false));
        Map<String, Object> flows = ReadinessReport.flows(paths);
        assertEquals(Map.of("alias", "browser two-step", "enforcesPolicy", true, "reasons", List.of()),
                flows.get("browser"));
        assertEquals(List.of("alias", "enforcesPolicy", "inUse", "reasons"),
                List.copyOf(((Map<String, Object>) flows.get("directGrant")).keySet()));
        Map<String, Object> override = ((List<Map<String, Object>>) flows.get("clientOverrides")).get(0);
        assertEquals("app", override.get("clientId"));
        assertEquals("browser", override.get("binding"));
        assertEquals("github", ((List<Map<String, Object>>) flows.get("identityProviders")).get(0).get("alias"));
        assertEquals(1, ((List<?>) flows.get("otherPaths")).size());
        assertEquals(List.of("no guard", "no flow"), flows.get("gaps"), "an override not in use and a path only "
                + "reported are no gaps");
        assertEquals(false, flows.get("enforcesPolicy"));

        String summary = ReadinessReport.waysInSummary(flows, "demo", 1_800_000_000L);
        assertEquals("2027-01-15 08:00 UTC: browser flow enforces the policy: yes; direct grant: no; every way in: "
                + "no (2 gaps). Users to follow up and the gaps: GET /admin/realms/demo/two-step/readiness "
                + "(view-realm and view-users).", summary);
        assertTrue(!summary.matches(".*\\d+ users.*"), "no user counts for view-realm readers");
    }
}
