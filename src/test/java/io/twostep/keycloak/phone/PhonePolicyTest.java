package io.twostep.keycloak.phone;

import io.twostep.keycloak.phone.PhonePolicy.Rejection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PhonePolicyTest {

    private final PhonePolicy germany = PhonePolicy.of("DE", "");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "+1 2015550123      | +12015550123",   // US: FIXED_LINE_OR_MOBILE is accepted
            "0151 23456789      | +4915123456789", // national format with the default region
            "+49 (0)151-2345 6789 | +4915123456789",
            "+44 7911 123456    | +447911123456",
    })
    void acceptsMobileNumbers(String input, String e164) {
        PhonePolicy.Result result = germany.check(input);
        assertEquals(e164, result.e164());
        assertNull(result.rejection());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "491711234567       | NOT_MOBILE",       // parses as +49 491711234567, a fixed line
            "030 1234567        | NOT_MOBILE",
            "+49 900 1234567    | NOT_MOBILE",       // premium rate
            "+881 6 12345678    | NOT_MOBILE",       // satellite, typed MOBILE by libphonenumber
            "+882 16 0123 4567  | NOT_MOBILE",       // international network
            "+44 7700 900123    | INVALID",          // Vonage's documentation range
            "0151 2345          | INVALID",
            "call me            | NOT_A_NUMBER",
            "1-800-FLOWERS      | NOT_A_NUMBER",
            "+49 151 2345 6789 ext. 5 | NOT_A_NUMBER",
    })
    void refusesWhatCannotReceiveCodes(String input, Rejection rejection) {
        assertEquals(rejection, germany.check(input).rejection());
    }

    @Test
    void emptyAndOversizedInput() {
        assertEquals(Rejection.EMPTY, germany.check(null).rejection());
        assertEquals(Rejection.EMPTY, germany.check("   ").rejection());
        assertEquals(Rejection.TOO_LONG, germany.check("1".repeat(200)).rejection());
        assertEquals(Rejection.TOO_LONG, germany.check("+" + "4".repeat(30)).rejection());
    }

    @Test
    void withoutDefaultRegionOnlyInternationalFormatPasses() {
        PhonePolicy noRegion = PhonePolicy.of(null, null);
        assertEquals(Rejection.NEEDS_COUNTRY_CODE, noRegion.check("0151 23456789").rejection());
        assertEquals("+4915123456789", noRegion.check("+49 151 23456789").e164());
    }

    @Test
    void regionAllowList() {
        PhonePolicy dachOnly = PhonePolicy.of("DE", "DE, AT CH");
        assertEquals(Set.of("DE", "AT", "CH"), dachOnly.allowedRegions());
        assertEquals("+436641234567", dachOnly.check("+43 664 1234567").e164());
        assertEquals(Rejection.REGION_NOT_ALLOWED, dachOnly.check("+44 7911 123456").rejection());
    }

    @Test
    void unknownRegionsAreRefusedWhenSaved() {
        assertThrows(IllegalArgumentException.class, () -> PhonePolicy.of("XX", ""));
        assertThrows(IllegalArgumentException.class, () -> PhonePolicy.of("DE", "DE,ZZ"));
    }

    @Test
    void masksKeepCountryCodeAndLastTwoDigits() {
        assertEquals("+49\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u202289", PhoneNumbers.mask("+4915123456789"));
        assertEquals("\u2022\u2022\u2022", PhoneNumbers.mask(null));
        assertEquals("\u2022\u2022\u2022", PhoneNumbers.mask("+123"));
    }

    @org.junit.jupiter.api.Test
    void inputUpToTheLengthLimitIsJudgedOnItsMerits() {
        String number = "151 23456789";
        String atLimit = "+49" + " ".repeat(PhonePolicy.MAX_INPUT_LENGTH - 3 - number.length()) + number;
        assertEquals(PhonePolicy.MAX_INPUT_LENGTH, atLimit.length());
        assertEquals("+4915123456789", germany.check(atLimit).e164());
        assertEquals(Rejection.TOO_LONG, germany.check("+49 " + atLimit.substring(3)).rejection(), "one more");
    }

    @org.junit.jupiter.api.Test
    void emptyRegionEntriesAreIgnored() {
        assertEquals(Set.of("DE"), new PhonePolicy("de", Set.of(" ", "de ")).allowedRegions());
        assertEquals(Set.of("DE", "AT"), PhonePolicy.of("DE", ",DE, AT").allowedRegions());
    }
}
