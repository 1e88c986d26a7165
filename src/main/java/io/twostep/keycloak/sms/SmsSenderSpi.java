package io.twostep.keycloak.sms;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.provider.TwoStepSpi;

/**
 * The {@code sms-sender} SPI: how one-time codes leave Keycloak. Providers: {@code vonage} (default) and
 * {@code console} (development only). Choose one with {@code --spi-sms-sender--provider=<id>}; options are
 * {@code --spi-sms-sender--<id>--<option>}.
 */
public final class SmsSenderSpi extends TwoStepSpi {

    /** Registers the SPI; Keycloak finds it through {@code META-INF/services}. */
    public SmsSenderSpi() {
        super(TwoStepIds.SMS_SENDER_SPI, SmsSender.class, SmsSenderFactory.class);
    }
}
