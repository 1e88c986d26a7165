package io.twostep.keycloak.sms;

import org.keycloak.provider.ProviderFactory;

/** Factory of an {@link SmsSender}; one per provider id of the {@code sms-sender} SPI. */
public interface SmsSenderFactory extends ProviderFactory<SmsSender> {
}
