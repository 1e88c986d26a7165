package io.twostep.keycloak.sms.vonage;

import io.twostep.keycloak.sms.SmsSendException.Reason;

/**
 * Maps Vonage SMS API answers to what the user can do about them. Vonage reports most errors as HTTP 200 with a
 * per-part {@code status} other than 0 (Vonage SMS API reference, "Response codes").
 */
final class VonageStatusMapping {

    private VonageStatusMapping() {
    }

    /**
     * @param status the per-part {@code status} of a Vonage SMS API answer (0 = accepted)
     * @return the kind of failure; never called for 0
     */
    static Reason forStatus(int status) {
        return switch (status) {
            case 1, 5, 10, 13 -> Reason.TEMPORARY;          // throttled, internal error, too many binds, comms failure
            case 3, 6, 7, 17, 33 -> Reason.INVALID_NUMBER;  // invalid params/number, barred, unreachable, deactivated
            case 2, 4, 8, 9, 11, 12, 14, 15, 16, 18, 19, 20, 22, 23, 29, 32 -> Reason.CONFIGURATION;
            default -> Reason.PROVIDER_DOWN;
        };
    }

    /**
     * @param httpStatus an HTTP status other than 2xx from the SMS endpoint; 0 when unknown
     * @return the kind of failure
     */
    static Reason forHttpStatus(int httpStatus) {
        if (httpStatus == 0) {
            return Reason.PROVIDER_DOWN;
        }
        if (httpStatus == 401 || httpStatus == 403) {
            return Reason.CONFIGURATION;
        }
        if (httpStatus == 429) {
            return Reason.TEMPORARY;
        }
        if (httpStatus >= 500) {
            return Reason.PROVIDER_DOWN;
        }
        return Reason.CONFIGURATION;
    }
}
