package io.twostep.keycloak.limits;

import io.twostep.keycloak.provider.NoLifecycle;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;

/**
 * The {@code default} {@link SmsLimiter}; its options are the fields of {@link SmsLimitSettings}, e.g.
 * {@code --spi-sms-limits--default--per-user-per-hour=10}. An out-of-range option stops Keycloak at start-up with a
 * message naming it.
 */
public final class DefaultSmsLimiterFactory implements SmsLimiterFactory, NoLifecycle<SmsLimiter> {

    private SmsLimitSettings settings = SmsLimitSettings.DEFAULTS;

    @Override
    public SmsLimiter create(KeycloakSession session) {
        return new DefaultSmsLimiter(session, settings);
    }

    @Override
    public void init(Config.Scope config) {
        settings = SmsLimitSettings.from(config);
    }

    @Override
    public String getId() {
        return "default";
    }
}
