package io.twostep.keycloak.sms.console;

import io.twostep.keycloak.sms.SmsSendException;
import io.twostep.keycloak.support.MapScope;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleSmsSenderTest {

    @Test
    void refusesToSendUnlessExplicitlyEnabled() {
        ConsoleSmsSenderFactory factory = new ConsoleSmsSenderFactory();
        factory.init(new MapScope(Map.of()));
        SmsSendException e = assertThrows(SmsSendException.class,
                () -> factory.create(null).send("+4915112345678", "code 123456"));
        assertEquals(SmsSendException.Reason.CONFIGURATION, e.getReason());
    }

    @Test
    void sendsWhenEnabled() throws SmsSendException {
        ConsoleSmsSenderFactory factory = new ConsoleSmsSenderFactory();
        factory.init(new MapScope(Map.of("enabled", "true")));
        assertTrue(factory.create(null).send("+4915112345678", "code 123456").messageId().startsWith("console-"));
    }
}
