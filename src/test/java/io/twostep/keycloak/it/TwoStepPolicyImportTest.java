package io.twostep.keycloak.it;

import io.twostep.keycloak.support.PhoneEnrolmentPage;
import io.twostep.keycloak.support.TestUsers;
import io.twostep.keycloak.support.TwoStepServerConfig;
import org.junit.jupiter.api.Test;
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
            return realm.attribute("twoStep.required", "true").attribute("twoStep.method", "sms");
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

    @Test
    void importedToggleSendsUsersWithoutANumberToEnrol() {
        TestUsers.plain(realm.admin(), "import-plain");
        driver.open(realm.getBaseUrl() + "/protocol/openid-connect/logout");
        driver.cookies().deleteAll();
        oauth.openLoginForm();
        loginPage.fillLogin("import-plain", TestUsers.PASSWORD);
        loginPage.submit();
        new PhoneEnrolmentPage(driver).assertCurrent();
    }
}
