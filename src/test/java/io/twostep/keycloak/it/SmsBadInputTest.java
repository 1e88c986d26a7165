package io.twostep.keycloak.it;

import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.htmlunit.HttpMethod;
import org.htmlunit.Page;
import org.htmlunit.WebClient;
import org.htmlunit.WebRequest;
import org.htmlunit.util.NameValuePair;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.openqa.selenium.By;
import org.openqa.selenium.htmlunit.HtmlUnitDriver;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crafted posts to every field of our pages (missing, repeated, 10 kB, non-ASCII, control characters) and random
 * phone input through the real enrolment page: always a page with a form error, never a 500 (docs/security.md S28).
 */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class SmsBadInputTest extends AbstractJourneyTest {

    private static final List<String> HOSTILE_VALUES = List.of("", " ", "9".repeat(10_240), "١٢٣٤٥٦", "☃☃☃",
            "\u0000\u0001", "<script>alert(1)</script>", "' OR '1'='1", "%00", "+".repeat(500), "\uD83D\uDE00");

    @Test
    void loginCodePageSurvivesEveryCraftedPost() throws Exception {
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "bad-login", number);
        passwordStep("bad-login");
        codePage.assertCurrent();
        int sent = vonage.to(number).size();

        for (List<NameValuePair> form : craftedForms(List.of("code", "resend", "login"))) {
            assertNoServerError(form, "login-sms-otp-form");
        }
        assertEquals(sent, vonage.to(number).size(), "crafted resends within the cooldown send nothing");
        driver.navigate().refresh();
        codePage.assertCurrent();
    }

    @Test
    void enrolmentPagesSurviveEveryCraftedPost() throws Exception {
        TestUsers.needingEnrolment(realm.admin(), "bad-enrol", null);
        passwordStep("bad-enrol");
        phonePage.assertCurrent();
        for (List<NameValuePair> form : craftedForms(List.of("phoneNumber", "send", "use-app", "cancel-aia"))) {
            if (form.stream().noneMatch(p -> p.getName().equals("use-app"))) {
                assertNoServerError(form, "login-configure-sms-otp", "login-sms-otp-form");
            }
        }
        // Now on the code stage of the enrolment.
        post(List.of(new NameValuePair("phoneNumber", TestUsers.newNumber())));
        for (List<NameValuePair> form : craftedForms(List.of("code", "resend", "change-number"))) {
            assertNoServerError(form, "login-configure-sms-otp", "login-sms-otp-form");
        }
    }

    @Test
    void randomPhoneInputThroughTheEnrolmentPageNeverFails() throws Exception {
        TestUsers.needingEnrolment(realm.admin(), "bad-fuzz", null);
        passwordStep("bad-fuzz");
        phonePage.assertCurrent();
        Random random = new Random(20261129L);
        String alphabet = "0123456789+-() ./#*xX\u00A0١٢٣٤٥٦٧٨٩٠a☃";
        for (int i = 0; i < 300; i++) {
            StringBuilder input = new StringBuilder();
            int length = random.nextInt(40);
            for (int j = 0; j < length; j++) {
                input.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            // "Use a different number" first, so every input meets the phone validation.
            post(List.of(new NameValuePair("change-number", "true")));
            assertNoServerError(List.of(new NameValuePair("phoneNumber", input.toString())),
                    "login-configure-sms-otp", "login-sms-otp-form");
        }
    }

    /** For each field: left out, repeated, and each hostile value, with the other fields present. */
    private static List<List<NameValuePair>> craftedForms(List<String> fields) {
        List<List<NameValuePair>> forms = new ArrayList<>();
        for (String field : fields) {
            List<NameValuePair> others = new ArrayList<>();
            fields.stream().filter(f -> !f.equals(field) && !f.equals("resend") && !f.equals("change-number")
                    && !f.equals("cancel-aia") && !f.equals("use-app")).forEach(f -> others.add(new NameValuePair(f, "1")));
            forms.add(others);
            List<NameValuePair> repeated = new ArrayList<>(others);
            repeated.add(new NameValuePair(field, "123456"));
            repeated.add(new NameValuePair(field, "654321"));
            forms.add(repeated);
            for (String value : HOSTILE_VALUES) {
                List<NameValuePair> form = new ArrayList<>(others);
                form.add(new NameValuePair(field, value));
                forms.add(form);
            }
        }
        return forms;
    }

    private void assertNoServerError(List<NameValuePair> form, String... expectedPages) throws Exception {
        Page page = post(form);
        int status = page.getWebResponse().getStatusCode();
        String body = page.getWebResponse().getContentAsString();
        String described = form.toString();
        assertTrue(status < 500, "HTTP " + status + " for " + described.substring(0, Math.min(200, described.length())));
        assertTrue(!body.contains("Exception") && !body.contains("\tat "), "no stack trace in the page");
        boolean expected = false;
        for (String pageId : expectedPages) {
            expected |= body.contains("data-page-id=\"" + pageId + "\"");
        }
        assertTrue(expected, "still on our page, with a message, for " + described.substring(0, Math.min(200, described.length())));
    }

    /** Posts to the current page's form action with the browser's cookies, then shows the answer in the browser. */
    private Page post(List<NameValuePair> form) throws Exception {
        String action = driver.driver().findElements(By.tagName("form")).stream()
                .map(f -> f.getAttribute("action")).filter(a -> a != null && a.contains("/login-actions/"))
                .findFirst().orElseThrow(() -> new AssertionError("no login form on " + driver.getCurrentUrl()));
        WebClient client = ((HtmlUnitDriver) driver.driver()).getWebClient();
        WebRequest request = new WebRequest(new URL(action), HttpMethod.POST);
        request.setRequestParameters(form);
        Page page = client.getPage(request);
        if (page.isHtmlPage()) {
            driver.driver().getWindowHandle(); // the client's current window now shows the answer
        }
        return page;
    }
}
