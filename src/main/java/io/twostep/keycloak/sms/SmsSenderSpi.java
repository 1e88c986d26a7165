package io.twostep.keycloak.sms;

import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.Spi;

/**
 * The {@code sms-sender} SPI: how one-time codes leave Keycloak. Providers: {@code vonage} (default) and
 * {@code console} (development only). Choose one with {@code --spi-sms-sender--provider=<id>}.
 */
public final class SmsSenderSpi implements Spi {

    /** SPI name as used in Keycloak options, e.g. {@code --spi-sms-sender--vonage--api-key}. */
    public static final String NAME = "sms-sender";

    @Override
    public boolean isInternal() {
        return false;
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public Class<? extends Provider> getProviderClass() {
        return SmsSender.class;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends ProviderFactory> getProviderFactoryClass() {
        return SmsSenderFactory.class;
    }
}
