package io.twostep.keycloak.sms.console;

import io.twostep.keycloak.phone.PhoneNumbers;
import io.twostep.keycloak.sms.SentSms;
import io.twostep.keycloak.sms.SmsSendException;
import io.twostep.keycloak.sms.SmsSender;
import org.jboss.logging.Logger;
import org.keycloak.common.util.SecretGenerator;

/** Writes the message to the server log instead of sending it; development only. */
final class ConsoleSmsSender implements SmsSender {

    private static final Logger LOG = Logger.getLogger(ConsoleSmsSender.class);

    private final boolean enabled;

    ConsoleSmsSender(boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public SentSms send(String to, String text) throws SmsSendException {
        if (!enabled) {
            throw new SmsSendException(SmsSendException.Reason.CONFIGURATION,
                    "console sender is disabled; set --spi-sms-sender--console--enabled=true for development");
        }
        String id = "console-" + SecretGenerator.getInstance().randomString(8);
        // Development only, refused unless explicitly enabled: the one place a code is meant to reach the log.
        LOG.infof("[DEVELOPMENT SMS %s to %s]%n%s", id, PhoneNumbers.mask(to), text);
        return new SentSms(id);
    }
}
