package io.twostep.keycloak.limits;

import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.Spi;

/** The {@code sms-limits} SPI: send budgets and the wrong-code counter of the SMS factor. */
public final class SmsLimiterSpi implements Spi {

    @Override
    public boolean isInternal() {
        return false;
    }

    @Override
    public String getName() {
        return "sms-limits";
    }

    @Override
    public Class<? extends Provider> getProviderClass() {
        return SmsLimiter.class;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends ProviderFactory> getProviderFactoryClass() {
        return SmsLimiterFactory.class;
    }
}
