package io.twostep.keycloak.limits;

import org.keycloak.provider.ProviderFactory;

/** Factory of an {@link SmsLimiter}. */
public interface SmsLimiterFactory extends ProviderFactory<SmsLimiter> {
}
