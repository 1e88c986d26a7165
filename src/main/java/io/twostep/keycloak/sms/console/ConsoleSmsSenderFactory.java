package io.twostep.keycloak.sms.console;

import io.twostep.keycloak.provider.NoLifecycle;
import io.twostep.keycloak.sms.SmsSender;
import io.twostep.keycloak.sms.SmsSenderFactory;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;

/**
 * The {@code console} SMS sender, for development only: it writes each message, code included, to the server log.
 * It refuses to send unless {@code --spi-sms-sender--console--enabled=true} is set.
 */
public final class ConsoleSmsSenderFactory implements SmsSenderFactory, NoLifecycle<SmsSender> {

    /** Provider id. */
    public static final String ID = "console";

    private static final Logger LOG = Logger.getLogger(ConsoleSmsSenderFactory.class);

    private boolean enabled;

    @Override
    public SmsSender create(KeycloakSession session) {
        return new ConsoleSmsSender(enabled);
    }

    @Override
    public void init(Config.Scope config) {
        enabled = config.getBoolean("enabled", false);
        if (enabled) {
            LOG.warn("SMS sender 'console' is enabled: one-time codes are written to the server log. "
                    + "Use it for development only.");
        }
    }

    @Override
    public String getId() {
        return ID;
    }
}
