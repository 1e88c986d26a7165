package io.twostep.keycloak.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.twostep.keycloak.support.AxeCore;
import io.twostep.keycloak.support.HeadlessChromium;
import io.twostep.keycloak.support.IssuedSecrets;
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
 * accessibility engine): journeys reach each page, and on each one the layout must hold ({@link PageLayout}) and
 * axe-core must find no violation of impact serious or critical under the WCAG 2.2 AA rules ({@link AxeCore}): in
 * English and German at a phone's width (375 px) and a desktop's (1280 px), in the ten other languages at the
 * phone's. Screenshots of English and German at both widths, and a table of the axe-core totals per page and
 * language, are written to {@code target/browser-pages/}. Then what screen readers and keyboards need: labels,
 * errors tied to their fields, a polite countdown, paste and autofill on the code, a journey by keyboard alone.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class PagesInChromiumTest extends AbstractJourneyTest {

    /** Our bundles' languages; each page is looked at in every one. */
    static final List<String> LANGUAGES = List.of("en", "de", "fr", "es", "it", "nl", "pl", "pt", "sv", "cs", "tr",
            "ja");
    /** Languages looked at most closely: both widths and screenshots. */
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
        StringBuilder table = new StringBuilder("page\tlanguage\tviolations (by impact)\trules passed\trules to review"
                + " by a person\n");
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
        String masked = chrome.eval("document.querySelector('#phoneNumber').value").asText();
        String edited = masked.substring(0, masked.length() - 1) + (masked.endsWith("7") ? "3" : "7"); // typed over
        look("confirm-number-edited", () -> enter("#phoneNumber", edited, "#two-step-send-code"));

        // A number to enter (as bob), a refused entry, the code page and a malformed code.
        TestUsers.needingEnrolment(realm.admin(), "pages-enrol", null);
        signIn("pages-enrol");
        look("sms-enrolment", null);
        look("sms-enrolment-error",
                () -> enter("#phoneNumber", "0151 12ab", "#two-step-send-code"));
        String number = TestUsers.newNumber();
        enter("#phoneNumber", number, "#two-step-send-code");
        look("code-enrolment", null);
        look("code-error", () -> enter("#code", "12ab", "#kc-login"));
        enter("#code", vonage.last(number).code(), "#kc-login");
        saveRecoveryCodesIfOffered(false);
        assertAtTheClient("enrolled and logged in");

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

    /**
     * Tab, Enter and Space alone: signing in, the grace page, the choice page, the code, then a second login that
     * ticks "Remember this device" and goes on. The focus must reach every control it needs by Tab.
     */
    @Test
    void aKeyboardAloneEnrolsSignsInAndRemembersTheDevice() throws Exception {
        policy("{\"required\":true,\"method\":\"any\",\"enrolmentGraceDays\":7}");
        TestUsers.plain(realm.admin(), "pages-keyboard");
        String number = TestUsers.newNumber();

        keyboardPasswordStep("pages-keyboard");
        tabTo("two-step-set-up-now");
        chrome.whileNewPageLoads(() -> chrome.press("Space", false)); // a button pressed with Space
        tabTo("phoneNumber");
        chrome.typeKeys(number);
        chrome.whileNewPageLoads(() -> chrome.press("Enter", false));
        tabTo("code");
        chrome.typeKeys(vonage.last(number).code());
        chrome.whileNewPageLoads(() -> chrome.press("Enter", false));
        saveRecoveryCodesIfOffered(true);
        assertAtTheClient("enrolled and logged in");

        keyboardPasswordStep("pages-keyboard");
        tabTo("code");
        chrome.typeKeys(vonage.last(number).code());
        chrome.whileNewPageLoads(() -> chrome.press("Enter", false));
        tabTo("rememberDevice");
        chrome.press("Space", false);
        assertTrue(chrome.eval("document.activeElement.checked").asBoolean(), "Space ticks the box");
        tabTo("trusted-device-continue");
        chrome.whileNewPageLoads(() -> chrome.press("Enter", false));
        assertAtTheClient("logged in");
        assertEquals(1, realm.admin().users().get(TestUsers.id(realm.admin(), "pages-keyboard")).credentials()
                .stream().filter(c -> "trusted-device".equals(c.getType())).count(), "the device is remembered");
    }

    /**
     * What a screen reader and a phone's keyboard rely on: every field has a label; an error is tied to its field
     * ({@code aria-invalid}, {@code aria-describedby} naming the error's text); the code field lets the phone fill
     * in the code and takes a paste; the resend countdown is read out once, when it ends, not every second (the
     * page's timers run 100 times faster here, so the 30 s wait passes in the test's time).
     */
    @Test
    void fieldsAreLabelledErrorsTiedToThemAndTheCountdownIsPolite() throws Exception {
        TestUsers.needingEnrolment(realm.admin(), "pages-a11y", null);
        chrome.onEveryPageOfThisTest("""
                window.__announced = [];
                window.__countdown = 0;
                document.addEventListener('DOMContentLoaded', () => {
                  const live = '[aria-live]:not([aria-live=off]), [role=status], [role=alert], [role=log], [role=timer]';
                  new MutationObserver(changes => changes.forEach(m => {
                    const node = m.target.nodeType === 1 ? m.target : m.target.parentElement;
                    const region = node.closest(live);
                    if (region) window.__announced.push(region.textContent.trim());
                    if (node.closest('#two-step-resend')) window.__countdown++;
                  })).observe(document.body, {subtree: true, childList: true, characterData: true});
                });""");
        signIn("pages-a11y");
        assertEveryFieldLabelled();
        enter("#phoneNumber", "0151 12ab", "#two-step-send-code");
        assertErrorTiedTo("phoneNumber", "Use only digits, spaces, brackets, dashes and a leading +.");
        assertEveryFieldLabelled();

        String fastTimers = chrome.onEveryPageOfThisTest("(() => { const every = window.setInterval.bind(window); "
                + "window.setInterval = (f, ms, ...rest) => every(f, Math.max(1, (ms || 0) / 100), ...rest); })()");
        String number = TestUsers.newNumber();
        enter("#phoneNumber", number, "#two-step-send-code");
        chrome.forgetScript(fastTimers);
        assertEveryFieldLabelled();
        JsonNode code = chrome.eval("(() => { const f = document.querySelector('#code'); const data = new DataTransfer();"
                + " data.setData('text/plain', '123 456'); const paste = new ClipboardEvent('paste', {clipboardData: "
                + "data, bubbles: true, cancelable: true}); f.dispatchEvent(paste); return {autocomplete: "
                + "f.autocomplete, inputmode: f.inputMode, pasteRefused: paste.defaultPrevented, maxLength: f.maxLength,"
                + " onpaste: f.hasAttribute('onpaste') || document.body.hasAttribute('onpaste')}; })()");
        assertEquals("one-time-code", code.path("autocomplete").asText(), "the phone may offer the texted code");
        assertEquals("numeric", code.path("inputmode").asText());
        assertEquals(false, code.path("pasteRefused").asBoolean(), "a paste is let through");
        assertEquals(false, code.path("onpaste").asBoolean());
        assertTrue(code.path("maxLength").asInt() >= "123 456".length(), "a pasted code with a space fits");

        chrome.waitFor("!document.querySelector('#two-step-resend').disabled", Duration.ofSeconds(10));
        Thread.sleep(200); // any late announcement
        assertTrue(chrome.eval("window.__countdown").asInt() >= 5, "the visible countdown ran: "
                + chrome.eval("window.__countdown"));
        assertEquals("[\"You can now ask for a new code.\"]", chrome.eval("JSON.stringify(window.__announced)")
                .asText(), "one polite announcement when the wait ends, none per second");
        assertEquals("polite", chrome.eval("document.querySelector('#two-step-resend-status').getAttribute("
                + "'aria-live')").asText());

        // The code as a phone pastes it, with a space: accepted.
        chrome.eval("document.querySelector('#code').focus()");
        String sent = vonage.last(number).code();
        chrome.type(sent.substring(0, 3) + " " + sent.substring(3));
        chrome.whileNewPageLoads(() -> chrome.eval("document.querySelector('#kc-login').click()"));
        saveRecoveryCodesIfOffered(false);
        assertAtTheClient("logged in");
    }

    /**
     * Keycloak's own recovery-code page, which the realm offers right after a first set-up of a second step: the
     * codes are noted as secrets the server log must never hold, then saved, by keyboard or by clicks.
     */
    private void saveRecoveryCodesIfOffered(boolean keyboard) throws Exception {
        if (!chrome.eval("!!document.querySelector('#kc-recovery-codes-list')").asBoolean()) {
            return;
        }
        chrome.eval("[...document.querySelectorAll('#kc-recovery-codes-list li')].map(li => li.textContent"
                + ".replace(/-/g, '').trim())").forEach(code -> IssuedSecrets.text(code.asText()));
        if (keyboard) {
            tabTo("kcRecoveryCodesConfirmationCheck");
            chrome.press("Space", false);
            tabTo("saveRecoveryAuthnCodesBtn");
            chrome.whileNewPageLoads(() -> chrome.press("Enter", false));
        } else {
            chrome.eval("document.querySelector('#kcRecoveryCodesConfirmationCheck').click()");
            chrome.whileNewPageLoads(() -> chrome.eval("document.querySelector('#saveRecoveryAuthnCodesBtn').click()"));
        }
    }

    /** The login went through: the browser is at the client with an authorization code. */
    private void assertAtTheClient(String what) throws Exception {
        try {
            chrome.waitFor("location.href.includes('code=')", Duration.ofSeconds(10));
        } catch (AssertionError e) {
            throw new AssertionError(what + ": " + e.getMessage(), e);
        }
    }

    /** Every visible field has a name for screen readers: a label, {@code aria-label} or {@code aria-labelledby}. */
    private void assertEveryFieldLabelled() throws Exception {
        JsonNode unlabelled = chrome.eval("[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
                + ".filter(f => f.getClientRects().length && !(f.labels && f.labels.length) && !f.getAttribute("
                + "'aria-label') && !f.getAttribute('aria-labelledby')).map(f => f.id || f.name)");
        assertEquals(0, unlabelled.size(), "fields without a label on " + chrome.eval("location.pathname").asText()
                + ": " + unlabelled);
    }

    /** The field is marked invalid and names, as its description, the element that shows {@code message}. */
    private void assertErrorTiedTo(String field, String message) throws Exception {
        JsonNode tie = chrome.eval("(() => { const f = document.getElementById(" + js(field) + "); return {invalid: "
                + "f.getAttribute('aria-invalid'), described: (f.getAttribute('aria-describedby') || '').split(' ')"
                + ".map(id => document.getElementById(id)).filter(e => e).map(e => e.textContent.trim()).join(' | ')};"
                + " })()");
        assertEquals("true", tie.path("invalid").asText(), field + " is marked invalid");
        assertEquals(message, tie.path("described").asText(), field + " is described by its error");
    }

    /** In a browser without cookies, opens the login page and signs in with the keyboard alone. */
    private void keyboardPasswordStep(String username) throws Exception {
        chrome.forgetCookies();
        chrome.navigate(oauth.loginForm().build() + "&kc_locale=en");
        tabTo("username");
        chrome.typeKeys(username);
        tabTo("password");
        chrome.typeKeys(TestUsers.PASSWORD);
        chrome.whileNewPageLoads(() -> chrome.press("Enter", false));
    }

    /** Presses Tab until the element with this id has the focus (it may have it already); at most 25 times. */
    private void tabTo(String id) throws Exception {
        List<String> path = new ArrayList<>();
        for (int presses = 0; presses <= 25; presses++) {
            String focused = chrome.eval("document.activeElement ? document.activeElement.id || "
                    + "document.activeElement.tagName : ''").asText();
            if (focused.equals(id)) {
                return;
            }
            path.add(focused);
            chrome.press("Tab", false);
        }
        throw new AssertionError("Tab never reached #" + id + " on " + chrome.eval("location.pathname").asText()
                + "; it went " + path);
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
     * Looks at the current page in every language: switched with the page's own language menu (a reload of the
     * same step, as when a user picks a language), then {@code again}, if given, re-creates a state a reload does not
     * keep (an error). English and German are laid out and checked by axe-core at both widths, with screenshots;
     * the other languages at the phone's width, the narrower.
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
            inspect(page, language, PHONE);
            if (SCREENSHOTS.contains(language)) {
                inspect(page, language, DESKTOP);
            }
        }
    }

    private void inspect(String page, String language, int width) throws Exception {
        chrome.viewport(width, width == PHONE ? 812 : 900, width == PHONE);
        inspectAsLaidOut(page, language, width, null);
    }


    /**
     * Checks the page as it is laid out now: the whole page, or only {@code parts} (a CSS selector) on a page of
     * Keycloak's own.
     */
    private void inspectAsLaidOut(String page, String language, int width, String parts) throws Exception {
        String where = page + " [" + language + ", " + width + " px]";
        PageLayout.Result layout = parts == null ? PageLayout.check(chrome, "main")
                : PageLayout.checkParts(chrome, parts);
        layout.problems().forEach(p -> faults.add(where + ": " + p));
        if (SCREENSHOTS.contains(language)) {
            chrome.screenshotWholePage(OUT.resolve(page + "-" + language + "-" + width + ".png"));
        }
        AxeCore.Result result = AxeCore.check(chrome, axe, parts);
        result.seriousOrCritical().forEach(v -> faults.add(where + ": axe-core: " + v));
        if (width == PHONE) {
            AXE_TOTALS.computeIfAbsent(page, p -> new TreeMap<>()).put(language, result.violations().size() + " "
                    + result.byImpact() + "\t" + result.passed() + "\t" + String.join(" ", result.toReview()));
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
     * The Account Console's "Signing in" page in every language (the user's {@code locale} attribute, which the
     * Account Console follows), loaded at each width. The page is Keycloak's own; ours are the sections of our
     * credential types (name, help text, the credentials listed), and only those are checked.
     */
    private void lookAtAccountConsole(String username) throws Exception {
        String ours = "[data-testid^='sms-otp/'], [data-testid^='trusted-device/']";
        String userId = TestUsers.id(realm.admin(), username);
        for (String language : LANGUAGES) {
            var user = realm.admin().users().get(userId).toRepresentation();
            user.singleAttribute("locale", language);
            realm.admin().users().get(userId).update(user);
            // Loaded at the phone's width (the menu starts closed), then widened: a load per width adds nothing.
            chrome.viewport(PHONE, 812, true);
            chrome.navigate(realm.getBaseUrl() + "/account/account-security/signing-in");
            chrome.waitFor("document.querySelector(\"[data-testid='sms-otp/credential-list'] li\") "
                    + "&& document.querySelector(\"[data-testid='trusted-device/credential-list'] li\")",
                    Duration.ofSeconds(60));
            String lang = chrome.eval("document.documentElement.lang").asText();
            if (!lang.startsWith(language)) {
                faults.add("account-signing-in [" + language + "]: the page came in '" + lang + "'");
            }
            if (language.equals("en")) { // the buttons the README names
                assertEquals("Set up SMS code", chrome.eval("document.querySelector(\"[data-testid='sms-otp/create']\")"
                        + ".textContent.trim()").asText());
                assertEquals("Delete", chrome.eval("document.querySelector(\"[data-testid='trusted-device/"
                        + "credential-list'] [data-testrole='remove']\").textContent.trim()").asText());
            }
            inspectAsLaidOut("account-signing-in", language, PHONE, ours);
            if (SCREENSHOTS.contains(language)) {
                chrome.viewport(DESKTOP, 900, false);
                inspectAsLaidOut("account-signing-in", language, DESKTOP, ours);
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
