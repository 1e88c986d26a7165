package io.twostep.keycloak.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.twostep.keycloak.support.AxeCore;
import io.twostep.keycloak.support.HeadlessChromium;
import io.twostep.keycloak.support.PageLayout;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every page of ours as a person sees it, in a real headless Chromium (HtmlUnit lays nothing out and runs no
 * accessibility engine): a journey reaches each page, and on each one, in each of the 12 languages, the page is
 * laid out at a phone's width (375 px) and a desktop's (1280 px) and must hold ({@link PageLayout}), and axe-core
 * must find no violation of impact serious or critical under the WCAG 2.2 AA rules ({@link AxeCore}). Screenshots
 * of English and German at both widths, and a table of the axe-core totals per page and language, are written to
 * {@code target/browser-pages/}.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class PagesInChromiumTest extends AbstractJourneyTest {

    /** Our bundles' languages; each page is looked at in every one. */
    static final List<String> LANGUAGES = List.of("en", "de");
    /** Languages whose screenshots are kept (all languages are laid out and checked). */
    static final List<String> SCREENSHOTS = List.of("en", "de");
    static final int PHONE = 375;
    static final int DESKTOP = 1280;
    static final Path OUT = Path.of("target", "browser-pages");

    /** page → language → axe-core totals, for the table written after the class. */
    private static final Map<String, Map<String, String>> AXE_TOTALS = new TreeMap<>();

    HeadlessChromium chrome;
    String axe;
    /** Every fault found by this test, so one run lists them all. */
    final List<String> faults = new ArrayList<>();

    @BeforeEach
    void chromium() throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux")
                        && List.of("amd64", "x86_64").contains(System.getProperty("os.arch")),
                "the headless Chromium this test fetches is built for Linux x86-64 only");
        chrome = HeadlessChromium.shared();
        axe = AxeCore.script(Path.of("target", "chromium"));
        chrome.onEveryPageOfThisTest(axe);
    }

    @AfterEach
    void policyOff() throws Exception {
        if (!faults.isEmpty()) { // also when the journey broke off: what was found so far
            Files.createDirectories(OUT);
            Files.write(OUT.resolve("faults.txt"), faults, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        }
        adminCall("PUT", "two-step", "{\"required\":false,\"method\":\"any\",\"enrolmentGraceDays\":0}",
                adminToken(), "application/json");
    }

    @AfterAll
    static void writeAxeTotals() throws Exception {
        StringBuilder table = new StringBuilder("page\tlanguage\tviolations (by impact)\trules passed\tto review\n");
        AXE_TOTALS.forEach((page, byLanguage) -> byLanguage.forEach((language, totals) ->
                table.append(page).append('\t').append(language).append('\t').append(totals).append('\n')));
        Files.createDirectories(OUT);
        Files.writeString(OUT.resolve("axe-totals.tsv"), table);
    }

    @Test
    void enrolmentPagesHoldTheirLayoutAndPassAxeInEveryLanguage() throws Exception {
        // An admin-entered number to confirm (as carol in the demo), with the policy off.
        String onFile = TestUsers.newNumber();
        TestUsers.needingEnrolment(realm.admin(), "pages-confirm", onFile);
        signIn("pages-confirm");
        look("confirm-number", null);

        // A number to enter (as bob), a refused entry, the code page and a malformed code.
        TestUsers.needingEnrolment(realm.admin(), "pages-enrol", null);
        signIn("pages-enrol");
        look("sms-enrolment", null);
        look("sms-enrolment-error", () -> enter("#phoneNumber", "0151 12ab", "#two-step-send-code"));
        String number = TestUsers.newNumber();
        enter("#phoneNumber", number, "#two-step-send-code");
        look("code-enrolment", null);
        look("code-error", () -> enter("#code", "12ab", "#kc-login"));
        enter("#code", vonage.last(number).code(), "#kc-login");
        assertTrue(chrome.eval("location.href").asText().contains("code="), "enrolled and logged in");

        // The policy on with a grace period: the grace page, then the one-page choice between SMS and the app.
        policy("{\"required\":true,\"method\":\"any\",\"enrolmentGraceDays\":7}");
        TestUsers.plain(realm.admin(), "pages-choice");
        signIn("pages-choice");
        look("grace", null);
        chrome.whileNewPageLoads(() -> chrome.eval("document.querySelector('#two-step-set-up-now').click()"));
        look("choice", null);

        assertNoFaults();
    }

    @Test
    void loginPagesHoldTheirLayoutAndPassAxeInEveryLanguage() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "pages-login", number);
        signIn("pages-login");
        look("code-login", null);
        enter("#code", vonage.last(number).code(), "#kc-login");
        look("remember-device", null);
        chrome.eval("document.querySelector('#rememberDevice').click()");
        chrome.whileNewPageLoads(() -> chrome.eval("document.querySelector('#trusted-device-continue').click()"));

        lookAtAccountConsole("pages-login");

        chrome.navigate(oauth.loginForm().kcAction("forget-trusted-devices").build());
        look("forget-devices", null);
        chrome.whileNewPageLoads(() -> chrome.eval("document.querySelector('#trusted-device-forget-all').click()"));

        assertNoFaults();
    }

    private void policy(String json) throws Exception {
        var response = adminCall("PUT", "two-step", json, adminToken(), "application/json");
        assertEquals(200, response.statusCode(), response.body());
    }

    /** In a browser without cookies, opens the test client's login page in English and signs in with the password. */
    private void signIn(String username) throws Exception {
        chrome.forgetCookies();
        chrome.navigate(oauth.loginForm().build() + "&kc_locale=en");
        chrome.eval("document.querySelector('#username').value = " + js(username)
                + "; document.querySelector('#password').value = " + js(TestUsers.PASSWORD) + "; true");
        chrome.whileNewPageLoads(() -> chrome.eval("document.querySelector('#kc-login').click()"));
    }

    /** Types into a field as a keyboard would, then presses a button and waits for the next page. */
    private void enter(String field, String text, String button) throws Exception {
        chrome.eval("(() => { const f = document.querySelector(" + js(field) + "); f.value = ''; f.focus(); "
                + "return true; })()");
        chrome.type(text);
        chrome.whileNewPageLoads(() -> chrome.eval("document.querySelector(" + js(button) + ").click()"));
    }

    /**
     * Looks at the current page in every language: switched with the page's own language menu (a reload of the same
     * step, as when a user picks a language), then {@code again} re-creates a state a reload does not keep (an
     * error). At each width the layout is checked and, in English and German, a screenshot saved; axe-core runs at
     * the phone width in every language and at both widths in English and German.
     */
    private void look(String page, HeadlessChromium.PageAction again) throws Exception {
        for (String language : LANGUAGES) {
            switchLanguage(language);
            if (again != null) {
                again.run();
            }
            String lang = chrome.eval("document.documentElement.lang").asText();
            if (!lang.equals(language)) {
                faults.add(page + " [" + language + "]: the page came in '" + lang + "'");
            }
            for (int width : new int[]{PHONE, DESKTOP}) {
                inspect(page, language, width);
            }
        }
    }

    private void inspect(String page, String language, int width) throws Exception {
        chrome.viewport(width, width == PHONE ? 812 : 900, width == PHONE);
        String where = page + " [" + language + ", " + width + " px]";
        PageLayout.Result layout = PageLayout.check(chrome, "main");
        layout.problems().forEach(p -> faults.add(where + ": " + p));
        if (SCREENSHOTS.contains(language)) {
            chrome.screenshotWholePage(OUT.resolve(page + "-" + language + "-" + width + ".png"));
        }
        if (width == PHONE || SCREENSHOTS.contains(language)) {
            AxeCore.Result result = AxeCore.check(chrome, axe);
            result.seriousOrCritical().forEach(v -> faults.add(where + ": axe-core: " + v));
            if (width == PHONE) {
                AXE_TOTALS.computeIfAbsent(page, p -> new TreeMap<>()).put(language,
                        result.violations().size() + " " + result.byImpact() + "\t" + result.passed() + "\t"
                                + result.incomplete());
            }
        }
    }

    /** Picks {@code language} in the login page's own language menu and waits for the page to come back in it. */
    private void switchLanguage(String language) throws Exception {
        JsonNode url = chrome.eval("(() => { const o = [...document.querySelectorAll('#login-select-toggle option')]"
                + ".find(o => new URL(o.value, location.href).searchParams.get('kc_locale') === " + js(language)
                + "); return o ? o.value : null; })()");
        assertTrue(url.isTextual(), "the language menu offers " + language + " on "
                + chrome.eval("location.href").asText());
        chrome.whileNewPageLoads(() -> chrome.eval("location.href = " + js(url.asText())));
    }

    /**
     * The Account Console's "Signing in" page, where our credential types' names and help texts show, in every
     * language (the user's {@code locale} attribute, which the Account Console follows).
     */
    private void lookAtAccountConsole(String username) throws Exception {
        String userId = TestUsers.id(realm.admin(), username);
        for (String language : LANGUAGES) {
            var user = realm.admin().users().get(userId).toRepresentation();
            user.singleAttribute("locale", language);
            realm.admin().users().get(userId).update(user);
            chrome.navigate(realm.getBaseUrl() + "/account/account-security/signing-in");
            chrome.waitFor("document.querySelector('[data-testid=\"sms-otp/credential-list\"], "
                    + "#sms-otp-help-text, main h1') && document.querySelector('main').innerText.length > 200",
                    Duration.ofSeconds(60));
            for (int width : new int[]{PHONE, DESKTOP}) {
                inspect("account-signing-in", language, width);
            }
        }
    }

    private void assertNoFaults() {
        assertTrue(faults.isEmpty(), faults.size() + " faults:\n" + String.join("\n", faults));
    }

    private static String js(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
