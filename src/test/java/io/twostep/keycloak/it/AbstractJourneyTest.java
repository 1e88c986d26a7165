package io.twostep.keycloak.it;

import io.twostep.keycloak.support.FakeVonage;
import io.twostep.keycloak.support.FreshRealmId;
import io.twostep.keycloak.support.PhoneEnrolmentPage;
import io.twostep.keycloak.support.RecoveryCodesPage;
import io.twostep.keycloak.support.SmsCodePage;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TrustedDeviceOfferPage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.oauth.OAuthClient;
import org.keycloak.testframework.oauth.annotations.InjectOAuthClient;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.ui.annotations.InjectPage;
import org.keycloak.testframework.ui.annotations.InjectWebDriver;
import org.keycloak.testframework.ui.page.LoginPage;
import org.keycloak.testframework.ui.webdriver.ManagedWebDriver;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every journey needs: the demo realm, a browser, the OAuth test client and the fake Vonage. */
abstract class AbstractJourneyTest {

    @InjectRealm(fromJson = "/realm-export.json", config = FreshRealmId.class) // no counters from earlier classes
    ManagedRealm realm;

    @InjectWebDriver
    ManagedWebDriver driver;

    @InjectOAuthClient
    OAuthClient oauth;

    @InjectPage
    LoginPage loginPage;

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final FakeVonage vonage = FakeVonage.instance();
    SmsCodePage codePage;
    PhoneEnrolmentPage phonePage;

    @BeforeEach
    void freshBrowser() {
        vonage.reset();
        codePage = new SmsCodePage(driver);
        phonePage = new PhoneEnrolmentPage(driver);
        startOver();
    }

    /** Forgets the browser's Keycloak session, as a new browser would. */
    void startOver() {
        // A page of the realm that never redirects, so the cookies deleted are Keycloak's.
        driver.open(realm.getBaseUrl() + "/protocol/openid-connect/logout");
        driver.cookies().deleteAll();
    }

    /** @return the user's stored {@code sms-otp} credentials, as the admin REST API lists them */
    List<CredentialRepresentation> smsCredentials(String username) {
        return realm.admin().users().get(TestUsers.id(realm.admin(), username)).credentials().stream()
                .filter(c -> "sms-otp".equals(c.getType())).toList();
    }

    @AfterEach
    void gatewayBackToNormal() {
        vonage.reset();
    }

    /** @return a token of the test server's bootstrap admin (admin/admin in the master realm) */
    String adminToken() throws Exception {
        String form = "grant_type=password&client_id=admin-cli&username=admin&password=admin";
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(
                        realm.getBaseUrl().replace("/realms/" + realm.getName(), "/realms/master")
                                + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(response.body()).path("access_token").asText();
    }

    /**
     * Calls this realm's admin REST API under {@code /admin/realms/{realm}/}.
     *
     * @param path   e.g. {@code two-step/readiness}
     * @param body   JSON to send, or {@code null}
     * @param accept media type to ask for
     */
    HttpResponse<String> adminCall(String method, String path, String body, String token, String accept)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(
                        realm.getBaseUrl().replace("/realms/", "/admin/realms/") + "/" + path).normalize())
                .header("Authorization", "Bearer " + token).header("Accept", accept);
        if (body != null) {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Opens the login page and passes the first factor. */
    void passwordStep(String username) {
        oauth.openLoginForm();
        loginPage.fillLogin(username, TestUsers.PASSWORD);
        loginPage.submit();
    }

    /**
     * Waits for the client callback, saving the recovery codes offered after a first set-up of a second step.
     * "Remember this device?" must not be showing: a journey that expects the offer answers it first
     * ({@link #declineDeviceOffer()}, {@link #rememberDevice()}).
     *
     * @throws AssertionError when the offer is showing, or no authorization code reached the client
     */
    void assertLoggedIn() {
        if (!driver.getCurrentUrl().contains("code=") && new RecoveryCodesPage(driver).isCurrent()) {
            new RecoveryCodesPage(driver).save();
        }
        assertTrue(driver.getCurrentUrl().contains("code=")
                        || !"login-trusted-device-offer".equals(driver.page().getCurrentPageId()),
                "'Remember this device?' offered where this journey expects no offer");
        driver.waiting().waitForOAuthCallback();
        assertNotNull(oauth.parseLoginResponse().getCode(), "expected an authorization code at the client");
    }

    /**
     * Answers the expected "Remember this device?" with no: the page must be showing, its box unticked.
     *
     * @throws AssertionError when another page is showing, or the box came ticked
     */
    void declineDeviceOffer() {
        TrustedDeviceOfferPage offer = new TrustedDeviceOfferPage(driver);
        offer.assertCurrent();
        offer.answer(false);
    }

    /**
     * Answers the expected "Remember this device?" with yes: the page must be showing, its box unticked.
     *
     * @throws AssertionError when another page is showing, or the box came ticked
     */
    void rememberDevice() {
        TrustedDeviceOfferPage offer = new TrustedDeviceOfferPage(driver);
        offer.assertCurrent();
        offer.answer(true);
    }

    void assertNotLoggedIn() {
        assertTrue(!driver.getCurrentUrl().contains("code="), "no authorization code may reach the client");
    }
}
