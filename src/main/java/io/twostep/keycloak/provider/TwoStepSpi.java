package io.twostep.keycloak.provider;

import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.Spi;

/**
 * One of this extension's own SPIs ({@code sms-sender}, {@code sms-limits}): public, so operators may add providers
 * and choose one with {@code --spi-<name>--provider=<id>}.
 */
public abstract class TwoStepSpi implements Spi {

    private final String name;
    private final Class<? extends Provider> providerClass;
    @SuppressWarnings("rawtypes")
    private final Class<? extends ProviderFactory> factoryClass;

    /**
     * @param name          SPI name as used in options, e.g. {@code sms-sender}
     * @param providerClass the provider interface
     * @param factoryClass  the factory interface
     */
    @SuppressWarnings("rawtypes")
    protected TwoStepSpi(String name, Class<? extends Provider> providerClass,
                         Class<? extends ProviderFactory> factoryClass) {
        this.name = name;
        this.providerClass = providerClass;
        this.factoryClass = factoryClass;
    }

    /** @return {@code false}: a public SPI, no warning at start-up */
    @Override
    public final boolean isInternal() {
        return false;
    }

    @Override
    public final String getName() {
        return name;
    }

    @Override
    public final Class<? extends Provider> getProviderClass() {
        return providerClass;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public final Class<? extends ProviderFactory> getProviderFactoryClass() {
        return factoryClass;
    }
}
