package io.twostep.keycloak.trusteddevice;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.twostep.keycloak.trusteddevice.TrustRules.Verdict;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrustRulesTest {

    private static final long DAY = 86_400_000L;
    private static final long T0 = 1_800_000_000_000L;
    private static final TrustRules.Request PLAIN = new TrustRules.Request(false, null, null, false, false);

    private static Verdict on(long now, int realmDays, String factorsNow, boolean enabled, TrustRules.Request request) {
        return TrustRules.onRecord(T0, TrustRules.expiryFor(days(90), T0), "f1", factorsNow, enabled, days(realmDays),
                request, now);
    }

    private static Duration days(int days) {
        return Duration.ofDays(days);
    }

    @Test
    void validTrustSkipsOnlyTheSecondStep() {
        assertEquals(Verdict.TRUSTED, on(T0 + DAY, 90, "f1", true, PLAIN));
        assertTrue(Verdict.TRUSTED.skip());
        assertFalse(Verdict.TRUSTED.endsTrust());
    }

    @Test
    void lifetimeIsAbsoluteAndTheShorterOfRecordAndRealm() {
        assertEquals(Verdict.TRUSTED, on(T0 + 90 * DAY - 1, 90, "f1", true, PLAIN));
        assertEquals(Verdict.EXPIRED, on(T0 + 90 * DAY, 90, "f1", true, PLAIN));
        assertEquals(Verdict.EXPIRED, on(T0 + 31 * DAY, 30, "f1", true, PLAIN), "a shorter realm setting applies");
        assertEquals(Verdict.EXPIRED, on(T0 + 91 * DAY, 365, "f1", true, PLAIN), "a longer one does not extend");
        assertEquals(Verdict.TRUSTED, on(T0 - 60_000L, 90, "f1", true, PLAIN), "another node's clock a minute behind");
        assertEquals(Verdict.EXPIRED, on(T0 - 600_000L, 90, "f1", true, PLAIN), "a record from the future is void");
        assertTrue(Verdict.EXPIRED.endsTrust());
    }

    @Test
    void changedFactorsOrADisabledUserEndTrust() {
        assertEquals(Verdict.FACTORS_CHANGED, on(T0 + DAY, 90, "f2", true, PLAIN));
        assertEquals(Verdict.FACTORS_CHANGED,
                TrustRules.onRecord(T0, T0 + 90 * DAY, null, "f1", true, days(90), PLAIN, T0 + DAY));
        assertEquals(Verdict.USER_DISABLED, on(T0 + DAY, 90, "f1", false, PLAIN));
        assertTrue(Verdict.FACTORS_CHANGED.endsTrust() && Verdict.USER_DISABLED.endsTrust());
    }

    @Test
    void freshOrStrongerAuthenticationRequestsAreNeverSatisfiedByTrust() {
        assertEquals(Verdict.PROMPT_LOGIN, TrustRules.beforeRecord(days(90), true, false, false, new TrustRules.Request(true, null, null, false, false)));
        assertEquals(Verdict.STEP_UP_REQUESTED, TrustRules.beforeRecord(days(90), true, false, false, new TrustRules.Request(false, null, 2, false, false)));
        assertEquals(Verdict.MAX_AGE, TrustRules.beforeRecord(days(90), true, false, false, new TrustRules.Request(false, 0, null, false, false)));
        assertNull(TrustRules.beforeRecord(days(90), true, false, false, new TrustRules.Request(false, 3600, 1, false, false)));
        assertEquals(Verdict.MAX_AGE, on(T0 + 2 * 3_600_000L, 90, "f1", true, new TrustRules.Request(false, 3600, null, false, false)),
                "max_age counts from when the second factor was last used on the device");
        assertEquals(Verdict.TRUSTED, on(T0 + 1_000L, 90, "f1", true, new TrustRules.Request(false, 3600, null, false, false)));
        assertFalse(Verdict.STEP_UP_REQUESTED.endsTrust() || Verdict.STEP_UP_REQUESTED.refusal(),
                "asking for both factors is no attack and keeps the trust");
    }

    @Test
    void accountActionsReauthenticationAndUserStorageUsersAlwaysGetTheSecondStep() {
        assertEquals(Verdict.ACCOUNT_ACTION,
                TrustRules.beforeRecord(days(90), true, false, false, new TrustRules.Request(false, null, null, true, false)));
        assertEquals(Verdict.REAUTHENTICATION,
                TrustRules.beforeRecord(days(90), true, false, false, new TrustRules.Request(false, null, null, false, true)));
        assertEquals(Verdict.FEDERATED_USER, TrustRules.beforeRecord(days(90), true, true, false, PLAIN));
        assertEquals(Verdict.ENROLMENT_PENDING, TrustRules.beforeRecord(days(90), true, false, true, PLAIN));
        assertFalse(Verdict.ACCOUNT_ACTION.refusal() || Verdict.ACCOUNT_ACTION.endsTrust());
    }

    @Test
    void nothingIsSkippedWithoutThePasswordInThisLoginOrWithTheFeatureOff() {
        assertEquals(Verdict.NO_PASSWORD_IN_THIS_LOGIN, TrustRules.beforeRecord(days(90), false, false, false, PLAIN));
        assertEquals(Verdict.FEATURE_OFF, TrustRules.beforeRecord(days(0), true, false, false, PLAIN));
        assertFalse(Verdict.FEATURE_OFF.endsTrust(), "0 days ignores trust but keeps it");
    }

    @Test
    void onlyTrustedSkips() {
        for (Verdict verdict : Verdict.values()) {
            assertEquals(verdict == Verdict.TRUSTED, verdict.skip(), verdict.name());
        }
    }

    @Test
    void theClockSkewAllowanceEndsExactlyAtFiveMinutes() {
        assertEquals(Verdict.TRUSTED, on(T0 - TrustRules.CLOCK_SKEW.toMillis(), 90, "f1", true, PLAIN));
        assertEquals(Verdict.EXPIRED, on(T0 - TrustRules.CLOCK_SKEW.toMillis() - 1, 90, "f1", true, PLAIN));
        assertEquals(Verdict.EXPIRED, on(T0 + 30 * DAY, 30, "f1", true, PLAIN), "the realm's lifetime, exactly");
        assertEquals(Verdict.TRUSTED, on(T0 + 30 * DAY - 1, 30, "f1", true, PLAIN));
    }

    @Test
    void maxAgeCountsFromTheLastRealSecondStepToTheMillisecond() {
        TrustRules.Request maxAgeHour = new TrustRules.Request(false, 3600, null, false, false);
        assertEquals(Verdict.TRUSTED, on(T0 + 3_600_000L - 1, 90, "f1", true, maxAgeHour));
        assertEquals(Verdict.MAX_AGE, on(T0 + 3_600_000L, 90, "f1", true, maxAgeHour));
    }

    /** Only records that were offered and turned down are worth an event; their reason is the verdict's name. */
    @Test
    void refusalsAndReasons() {
        for (Verdict verdict : Verdict.values()) {
            boolean offeredAndRefused = verdict.ordinal() >= Verdict.MALFORMED.ordinal();
            assertEquals(offeredAndRefused, verdict.refusal(), verdict.name());
            assertEquals(verdict.name().toLowerCase(java.util.Locale.ROOT), verdict.reason());
        }
        assertEquals("factors_changed", Verdict.FACTORS_CHANGED.reason());
        assertEquals("no_password_in_this_login", Verdict.NO_PASSWORD_IN_THIS_LOGIN.reason());
    }
}
