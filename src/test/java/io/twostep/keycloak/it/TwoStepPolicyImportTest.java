package io.twostep.keycloak.it;

import io.twostep.keycloak.support.FreshRealmId;
import io.twostep.keycloak.support.PhoneEnrolmentPage;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;

import org.keycloak.representations.idm.RealmRepresentation;
import org.openqa.selenium.By;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.oauth.OAuthClient;
import org.keycloak.testframework.oauth.annotations.InjectOAuthClient;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.realm.RealmBuilder;
import org.keycloak.testframework.realm.RealmConfig;
import org.keycloak.testframework.ui.annotations.InjectPage;
import org.keycloak.testframework.ui.annotations.InjectWebDriver;
import org.keycloak.testframework.ui.page.LoginPage;
import org.keycloak.testframework.ui.webdriver.ManagedWebDriver;

/** A realm imported with the toggle on enforces it from the first login. */
@KeycloakIntegrationTest(config = TwoStepServerConfig.class)
class TwoStepPolicyImportTest {

    /** The demo realm as an operator would import it with the policy switched on in the JSON. */
    public static class PolicyOnInJson implements RealmConfig {
        @Override
        public RealmBuilder configure(RealmBuilder realm) {
            return new FreshRealmId().configure(realm).attribute("twoStep.required", "true").attribute("twoStep.method", "sms")
                    .attribute("twoStep.enrolmentGraceDays", "7");
        }
    }

    @InjectRealm(fromJson = "/realm-export.json", config = PolicyOnInJson.class)
    ManagedRealm realm;

    @InjectWebDriver
    ManagedWebDriver driver;

    @InjectOAuthClient
    OAuthClient oauth;

    @InjectPage
    LoginPage loginPage;

    private void login(String username) {
        driver.open(realm.getBaseUrl() + "/protocol/openid-connect/logout");
        driver.cookies().deleteAll();
        oauth.openLoginForm();
        loginPage.fillLogin(username, TestUsers.PASSWORD);
        loginPage.submit();
    }

    private long requiredSince() {
        return Long.parseLong(realm.admin().toRepresentation().getAttributes().get("twoStep.requiredSince"));
    }

    /** The import carries no switch-on time: the first login records it, so the grace period starts then. */
    @Test
    void importedToggleSendsUsersWithoutANumberToEnrolAfterAGracePeriodFromTheFirstLogin() {
        TestUsers.plain(realm.admin(), "import-plain");
        long before = System.currentTimeMillis() / 1000;
        login("import-plain");
        assertEquals("login-two-step-enrolment", driver.page().getCurrentPageId());
        long since = requiredSince();
        assertTrue(since >= before - 5 && since <= before + 60, "recorded at the first login: " + since);
        driver.findElement(By.id("two-step-set-up-now")).click();
        new PhoneEnrolmentPage(driver).assertCurrent();
    }

    /** A switch-on time written into the future as a raw attribute would give an endless grace period. */
    @Test
    void aSwitchOnTimeInTheFutureIsReplacedAtTheNextLogin() {
        RealmRepresentation rep = realm.admin().toRepresentation();
        rep.getAttributes().put("twoStep.requiredSince", "32503680000"); // year 3000
        realm.admin().update(rep);
        TestUsers.plain(realm.admin(), "import-future");
        long before = System.currentTimeMillis() / 1000;
        login("import-future");
        long since = requiredSince();
        assertTrue(since >= before - 5 && since <= System.currentTimeMillis() / 1000 + 60,
                "replaced by the time of this login: " + since);
    }
}
