package io.twostep.keycloak.limits;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.provider.TwoStepSpi;

/**
 * The {@code sms-limits} SPI: send budgets and the wrong-code counter of the SMS factor. Provider: {@code default},
 * whose options are {@code --spi-sms-limits--default--<option>} (see {@link SmsLimitSettings}).
 */
public final class SmsLimiterSpi extends TwoStepSpi {

    /** Registers the SPI; Keycloak finds it through {@code META-INF/services}. */
    public SmsLimiterSpi() {
        super(TwoStepIds.SMS_LIMITS_SPI, SmsLimiter.class, SmsLimiterFactory.class);
    }
}
