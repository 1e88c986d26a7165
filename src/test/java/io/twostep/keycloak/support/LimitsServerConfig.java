package io.twostep.keycloak.support;

import org.keycloak.testframework.server.KeycloakServerConfigBuilder;

/**
 * The journey server with tight SMS limits, a second Keycloak start for the abuse tests: limits small enough to
 * reach in a test, X-Forwarded-For trusted so that each test can come from its own client address, no hostname
 * option, so that the host of a login comes from its request, and signed requests to the gateway.
 */
public class LimitsServerConfig extends TwoStepServerConfig {

    public static final int PER_USER = 4;
    public static final int PER_NUMBER = 5;
    public static final int PER_IP = 3;
    public static final int REALM = 30;
    public static final int FAILURES_BEFORE_DELAY = 3;
    public static final int FAILURES_BEFORE_BLOCK = 6;
    public static final int BLOCK_SECONDS = 600;

    /** No hostname: the host of a login comes from its request, so a forged {@code Host} header can be tried. */
    @Override
    protected String hostname() {
        return null;
    }

    /** This server signs its requests to the gateway: the SDK's signing path runs inside Keycloak in every run. */
    @Override
    protected boolean signedRequests() {
        return true;
    }

    @Override
    public KeycloakServerConfigBuilder configure(KeycloakServerConfigBuilder config) {
        return super.configure(config)
                .option("proxy-headers", "xforwarded")
                .spiOption("sms-limits", "default", "per-user-per-hour", Integer.toString(PER_USER))
                .spiOption("sms-limits", "default", "per-number-per-hour", Integer.toString(PER_NUMBER))
                .spiOption("sms-limits", "default", "per-ip-per-hour", Integer.toString(PER_IP))
                .spiOption("sms-limits", "default", "realm-per-hour", Integer.toString(REALM))
                .spiOption("sms-limits", "default", "failures-before-delay", Integer.toString(FAILURES_BEFORE_DELAY))
                .spiOption("sms-limits", "default", "failures-before-block", Integer.toString(FAILURES_BEFORE_BLOCK))
                .spiOption("sms-limits", "default", "block-seconds", Integer.toString(BLOCK_SECONDS));
    }
}
