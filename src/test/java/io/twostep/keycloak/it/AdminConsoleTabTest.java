package io.twostep.keycloak.it;

import io.twostep.keycloak.support.HeadlessChromium;
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
 * cannot run it), signed in as the server's admin, renders the tab, and saving it changes the realm attributes.
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
            chrome.waitFor("document.querySelector('#username')", Duration.ofSeconds(60));
            chrome.eval("document.querySelector('#username').value = 'admin';"
                    + "document.querySelector('#password').value = 'admin';"
                    + "document.querySelector('#kc-login').click(); true");
            chrome.waitFor("document.body && document.body.innerText.includes('Require two-step login')",
                    Duration.ofSeconds(90));
            String page = chrome.eval("document.body.innerText").asText();
            for (String label : new String[]{"Method", "Grace period (days)", "Remember devices (days)",
                    "Readiness (computed)", "Set up the realm on save"}) {
                assertTrue(page.contains(label), "the tab shows " + label + ": " + page);
            }

            String field = "[...document.querySelectorAll('input')].find(i => [i.id, i.name, "
                    + "i.getAttribute('data-testid')].some(v => v && v.includes('enrolmentGraceDays')))";
            chrome.waitFor(field, Duration.ofSeconds(10));
            chrome.eval("(() => { const f = " + field + "; f.focus(); f.select(); return true; })()");
            chrome.type("5");
            chrome.eval("[...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'Save').click(); true");

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
        } catch (Throwable e) {
            chrome.screenshotTo(Path.of("target", "admin-console-tab-failure.png"));
            throw e;
        }
    }

    /** The help desk's way in the console: the user's page has a "Two-step reset" tab whose save resets the user. */
    @Test
    void theUserPageHasAResetTabThatResetsTheUser() throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux")
                        && List.of("amd64", "x86_64").contains(System.getProperty("os.arch")),
                "the headless Chromium this test fetches is built for Linux x86-64 only");
        io.twostep.keycloak.support.TestUsers.withBoundNumber(realm.admin(), "console-reset",
                io.twostep.keycloak.support.TestUsers.newNumber());
        String id = io.twostep.keycloak.support.TestUsers.id(realm.admin(), "console-reset");
        HeadlessChromium chrome = HeadlessChromium.shared();
        try {
            String server = realm.getBaseUrl().substring(0, realm.getBaseUrl().indexOf("/realms/"));
            chrome.open(server + "/admin/master/console/#/" + realm.getName() + "/users/" + id + "/settings");
            chrome.waitFor("document.querySelector('#username')", Duration.ofSeconds(60));
            chrome.eval("document.querySelector('#username').value = 'admin';"
                    + "document.querySelector('#password').value = 'admin';"
                    + "document.querySelector('#kc-login').click(); true");
            String tab = "[...document.querySelectorAll('button, a')].find(b => b.innerText.trim() === "
                    + "'Two-step reset')";
            chrome.waitFor(tab, Duration.ofSeconds(90));
            chrome.eval("(" + tab + ").click(); true");
            chrome.waitFor("document.body.innerText.includes('Reset two-step login on save')",
                    Duration.ofSeconds(20));
            String toggle = "[...document.querySelectorAll('input')].find(i => [i.id, i.name, "
                    + "i.getAttribute('data-testid')].some(v => v && v.includes('resetTwoStep')))";
            chrome.waitFor(toggle, Duration.ofSeconds(10));
            chrome.eval("(" + toggle + ").click(); true");
            chrome.eval("[...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'Save')"
                    + ".click(); true");

            long deadline = System.currentTimeMillis() + 20_000;
            boolean reset = false;
            while (System.currentTimeMillis() < deadline && !reset) {
                Thread.sleep(250);
                reset = realm.admin().users().get(id).credentials().stream()
                        .allMatch(c -> "password".equals(c.getType()));
            }
            assertTrue(reset, "saving the tab reset the user's two-step login");
        } catch (Throwable e) {
            chrome.screenshotTo(Path.of("target", "admin-console-user-tab-failure.png"));
            throw e;
        }
    }
}
