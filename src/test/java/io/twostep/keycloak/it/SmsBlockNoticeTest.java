package io.twostep.keycloak.it;

import io.twostep.keycloak.support.HourPin;
import io.twostep.keycloak.support.LimitsServerConfig;
import io.twostep.keycloak.support.Mailbox;
import io.twostep.keycloak.support.TestUsers;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.mail.MailServer;
import org.keycloak.testframework.mail.annotations.InjectMailServer;
import org.keycloak.testframework.realm.RealmBuilder;
import org.keycloak.testframework.remote.timeoffset.InjectTimeOffSet;
import org.keycloak.testframework.remote.timeoffset.TimeOffSet;
import org.openqa.selenium.htmlunit.HtmlUnitDriver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The user is told when too many wrong codes block sign-in by text message, once per block, on the server with
 * tight limits ({@link LimitsServerConfig}: a pause after 3 wrong codes, the block at 6).
 */
@KeycloakIntegrationTest(config = LimitsServerConfig.class)
class SmsBlockNoticeTest extends AbstractJourneyTest {

    @InjectMailServer
    MailServer mail;

    @InjectTimeOffSet
    TimeOffSet timeOffSet;

    private static String wrong(String code) {
        return code.equals("999999") ? "888888" : "999999";
    }

    @Test
    void theBlockIsToldOnce() throws Exception {
        int offset = HourPin.pin(timeOffSet);
        ((HtmlUnitDriver) driver.driver()).getWebClient().addRequestHeader("X-Forwarded-For", "203.0.113.250");
        realm.updateWithCleanup(r -> {
            RealmBuilder updated = r.bruteForceProtected(false);
            updated.build().setSslRequired("none");
            return updated;
        });
        String number = TestUsers.newNumber();
        TestUsers.withBoundNumber(realm.admin(), "told-blocked", number);
        passwordStep("told-blocked");
        for (int i = 0; i < LimitsServerConfig.FAILURES_BEFORE_DELAY; i++) {
            codePage.enterCode(wrong(vonage.last(number).code()));
        }
        offset += 31;
        timeOffSet.set(offset);
        driver.navigate().refresh();
        codePage.resendButton().click(); // a new code: each code takes only a few tries, the account counts on
        codePage.enterCode(wrong(vonage.last(number).code())); // 4
        offset += 61;
        timeOffSet.set(offset);
        codePage.enterCode(wrong(vonage.last(number).code())); // 5
        offset += 121;
        timeOffSet.set(offset);
        codePage.enterCode(wrong(vonage.last(number).code())); // 6: blocked
        codePage.enterCode(vonage.last(number).code());
        assertTrue(codePage.errorMessage().orElseThrow().contains("blocked"), codePage.errorMessage().orElseThrow());

        Mailbox mailbox = new Mailbox(mail);
        MimeMessage notice = mailbox.await("told-blocked@example.org", "sign-in by text message is blocked");
        assertTrue(Mailbox.text(notice).contains("After too many wrong codes"), Mailbox.text(notice));
        assertTrue(Mailbox.text(notice).contains("someone may know your password"), Mailbox.text(notice));
        codePage.enterCode(wrong(vonage.last(number).code())); // still blocked: no second notice for this block
        Thread.sleep(1500);
        assertEquals(1, mailbox.withSubject("told-blocked@example.org", "blocked").size());
    }
}
