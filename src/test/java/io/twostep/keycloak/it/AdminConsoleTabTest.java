package io.twostep.keycloak.it;

import io.twostep.keycloak.support.HeadlessChromium;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The "Two-step login" tab as an admin sees it: Keycloak's admin console in a real headless Chromium (HtmlUnit
 * cannot run it), signed in as the server's admin, renders the tab in the admin's words and language (English, then
 * German), saving it changes the realm attributes, and a refused value is told in the field's words.
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class AdminConsoleTabTest extends AbstractJourneyTest {

    private static final String TAB_COMPONENTS = "components?type=org.keycloak.services.ui.extend.UiTabProvider";

    @AfterEach
    void policyAndTabBack() throws Exception {
        String token = adminToken();
        adminCall("PUT", "two-step", "{\"enrolmentGraceDays\":0,\"method\":\"any\",\"trustedDeviceDays\":90}", token,
                "application/json");
        for (var tab : new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                adminCall("GET", TAB_COMPONENTS, null, token, "application/json").body())) {
            adminCall("DELETE", "components/" + tab.path("id").asText(), null, token, "application/json");
        }
    }

    @Test
    void theTabRendersAndSavingItChangesTheRealmAttributes() throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux")
                        && List.of("amd64", "x86_64").contains(System.getProperty("os.arch")),
                "the headless Chromium this test fetches is built for Linux x86-64 only");
        // Set through the REST API, so the never-saved tab's form shows other (default) values.
        adminCall("PUT", "two-step", "{\"method\":\"otp\",\"trustedDeviceDays\":30}", adminToken(), "application/json");
        HeadlessChromium chrome = HeadlessChromium.shared();
        try {
            String server = realm.getBaseUrl().substring(0, realm.getBaseUrl().indexOf("/realms/"));
            chrome.open(server + "/admin/master/console/#/" + realm.getName() + "/realm-settings/two-step");
            signInAsAdmin(chrome);
            String page = assertTabShows(chrome, "Require two-step login", "Method", "Grace period (days)",
                    "Remember devices (days)", "Readiness (computed)", "Set up the realm on save", "Authenticator app");
            assertTrue(!page.contains("twoStepTab"), "no message key shown as a label: " + page);

            String field = input("enrolmentGraceDays");
            chrome.waitFor(field, Duration.ofSeconds(10));
            retype(chrome, field, "5");
            clickButton(chrome, "Save");

            long deadline = System.currentTimeMillis() + 20_000;
            String grace = null;
            while (System.currentTimeMillis() < deadline && !"5".equals(grace)) {
                Thread.sleep(250);
                grace = realm.admin().toRepresentation().getAttributes().get("twoStep.enrolmentGraceDays");
            }
            assertEquals("5", grace, "saving the tab sets the realm attribute");
            var attributes = realm.admin().toRepresentation().getAttributes();
            assertEquals("otp", attributes.get("twoStep.method"), "the first save changes only what was edited");
            assertEquals("30", attributes.get("twoStep.trustedDeviceDays"));

            // A refused value is told in the field's words.
            retype(chrome, field, "400");
            clickButton(chrome, "Save");
            chrome.waitFor("document.body.innerText.includes('Grace period (days): enter a whole number of days "
                    + "from 0 to 365.')", Duration.ofSeconds(20));

            // In German: the admin's language (their locale, with the master realm's internationalization on).
            german(true);
            chrome.forgetCookies();
            chrome.navigate(server + "/admin/master/console/#/" + realm.getName() + "/realm-settings/two-step");
            signInAsAdmin(chrome);
            assertTabShows(chrome, "Anmeldung in zwei Schritten verlangen", "Verfahren", "Übergangsfrist (Tage)",
                    "Geräte merken (Tage)", "Wiederherstellungscodes", "Bereitschaft (berechnet)",
                    "Realm beim Speichern einrichten");
            chrome.waitFor(field, Duration.ofSeconds(10));
            retype(chrome, field, "400");
            clickButton(chrome, "Speichern");
            chrome.waitFor("/0 (und|to) 365/.test(document.body.innerText)", Duration.ofSeconds(20));
            assertTrue(chrome.eval("document.body.innerText").asText().contains("Übergangsfrist (Tage): Geben Sie "
                    + "eine ganze Zahl von Tagen zwischen 0 und 365 ein."), "the refusal in German");
        } catch (Throwable e) {
            chrome.screenshotTo(Path.of("target", "admin-console-tab-failure.png"));
            throw e;
        } finally {
            german(false);
        }
    }

    /**
     * Gives the server's admin German: their {@code locale}, which the master realm honours only with its
     * internationalization on (set first, and taken away last).
     */
    private void german(boolean on) throws Exception {
        String token = adminToken();
        String realmSettings = on ? "{\"internationalizationEnabled\":true,\"supportedLocales\":[\"en\",\"de\"],"
                + "\"defaultLocale\":\"en\"}" : "{\"internationalizationEnabled\":false}";
        if (on) {
            adminCall("PUT", "../master", realmSettings, token, "application/json");
        }
        var admin = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(adminCall("GET", "../master/users?username=admin&exact=true", null, token,
                        "application/json").body()).get(0);
        var attributes = admin.with("attributes");
        if (on) {
            attributes.putArray("locale").add("de");
        } else {
            attributes.remove("locale");
        }
        adminCall("PUT", "../master/users/" + admin.path("id").asText(), admin.toString(), token, "application/json");
        if (!on) {
            adminCall("PUT", "../master", realmSettings, token, "application/json");
        }
    }

    /**
     * The help desk's way in the console: the user's page has a "Two-step reset" tab whose save resets the user,
     * every time: the realm's first save creates the tab's stored form, later saves (another user) update it.
     */
    @Test
    void theUserPageHasAResetTabThatResetsTheUser() throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux")
                        && List.of("amd64", "x86_64").contains(System.getProperty("os.arch")),
                "the headless Chromium this test fetches is built for Linux x86-64 only");
        HeadlessChromium chrome = HeadlessChromium.shared();
        try {
            String server = realm.getBaseUrl().substring(0, realm.getBaseUrl().indexOf("/realms/"));
            for (String username : List.of("console-reset", "console-reset-2", "console-reset-3")) {
                TestUsers.withBoundNumber(realm.admin(), username, TestUsers.newNumber());
                String id = TestUsers.id(realm.admin(), username);
                // A new document for each user: a changed hash alone may leave the last user's page showing.
                chrome.navigate("about:blank");
                chrome.open(server + "/admin/master/console/#/" + realm.getName() + "/users/" + id + "/settings");
                String userPage = "[...document.querySelectorAll('h1')].some(h => h.innerText.trim() === "
                        + "'" + username + "')";
                chrome.waitFor("document.querySelector('#kc-login') || " + userPage, Duration.ofSeconds(90));
                if (chrome.eval("!!document.querySelector('#kc-login')").asBoolean()) {
                    enterAdminPassword(chrome);
                }
                chrome.waitFor(userPage, Duration.ofSeconds(90));
                String tab = "[...document.querySelectorAll('button, a')].find(b => b.innerText.trim() === "
                        + "'Two-step reset')";
                chrome.waitFor(tab, Duration.ofSeconds(90));
                chrome.eval("(" + tab + ").click(); true");
                chrome.waitFor("document.body.innerText.includes('Reset two-step login on save')",
                        Duration.ofSeconds(20));
                String toggle = input("resetTwoStep");
                chrome.waitFor(toggle, Duration.ofSeconds(10));
                chrome.eval("(" + toggle + ").click(); true");
                clickButton(chrome, "Save");

                long deadline = System.currentTimeMillis() + 20_000;
                boolean reset = false;
                while (System.currentTimeMillis() < deadline && !reset) {
                    Thread.sleep(250);
                    reset = realm.admin().users().get(id).credentials().stream()
                            .allMatch(c -> "password".equals(c.getType()));
                }
                assertTrue(reset, "saving the tab reset " + username + "'s two-step login");
            }
        } catch (Throwable e) {
            chrome.screenshotTo(Path.of("target", "admin-console-user-tab-failure.png"));
            throw e;
        }
    }

    /** Signs in to the admin console's login page, once it shows, as the bootstrap admin. */
    private static void signInAsAdmin(HeadlessChromium chrome) throws Exception {
        chrome.waitFor("document.querySelector('#username')", Duration.ofSeconds(60));
        enterAdminPassword(chrome);
    }

    private static void enterAdminPassword(HeadlessChromium chrome) throws Exception {
        chrome.eval("document.querySelector('#username').value = 'admin';"
                + "document.querySelector('#password').value = 'admin';"
                + "document.querySelector('#kc-login').click(); true");
    }

    /**
     * Waits for the tab to show {@code heading}, then checks that it shows every label.
     *
     * @return the page's text
     */
    private static String assertTabShows(HeadlessChromium chrome, String heading, String... labels) throws Exception {
        chrome.waitFor("document.body && document.body.innerText.includes('" + heading + "')", Duration.ofSeconds(90));
        String page = chrome.eval("document.body.innerText").asText();
        for (String label : labels) {
            assertTrue(page.contains(label), "the tab shows " + label + ": " + page);
        }
        return page;
    }

    /** Replaces what the input {@code field} (a JavaScript expression, see {@link #input}) holds by {@code text}. */
    private static void retype(HeadlessChromium chrome, String field, String text) throws Exception {
        chrome.eval("(() => { const f = " + field + "; f.focus(); f.select(); return true; })()");
        chrome.type(text);
    }

    /** Presses the button labelled {@code label} (e.g. the tab's Save, in the admin's language). */
    private static void clickButton(HeadlessChromium chrome, String label) throws Exception {
        chrome.eval("[...document.querySelectorAll('button')].find(b => b.innerText.trim() === '" + label
                + "').click(); true");
    }

    /** @return a JavaScript expression for the tab's input of the config property {@code name} */
    private static String input(String name) {
        return "[...document.querySelectorAll('input')].find(i => [i.id, i.name, i.getAttribute('data-testid')]"
                + ".some(v => v && v.includes('" + name + "')))";
    }
}
