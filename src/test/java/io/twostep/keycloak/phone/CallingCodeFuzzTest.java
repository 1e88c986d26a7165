package io.twostep.keycloak.phone;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The metrics label {@link PhoneNumbers#callingCode} against any string and against libphonenumber's full parse. */
class CallingCodeFuzzTest {

    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private static Set<String> labels() {
        Set<String> labels = new HashSet<>();
        UTIL.getSupportedCallingCodes().forEach(code -> labels.add(Integer.toString(code)));
        labels.add("unknown");
        return labels;
    }

    @Test
    void theAssignedCodesFormAPrefixCode() {
        Set<Integer> codes = UTIL.getSupportedCallingCodes();
        for (int code : codes) {
            String digits = Integer.toString(code);
            for (int length = 1; length < digits.length(); length++) {
                assertFalse(codes.contains(Integer.parseInt(digits.substring(0, length))), code + " starts with a code");
            }
        }
    }

    @Test
    void anyStringGivesAnAssignedCodeOrUnknown() {
        Set<String> labels = labels();
        Random random = new Random(7);
        String alphabet = "+0123456789 -()x.٣１２\u0000\uD83D\uDE00";
        for (int i = 0; i < 300_000; i++) {
            StringBuilder input = new StringBuilder();
            if (random.nextInt(3) > 0) {
                input.append('+');
            }
            int length = random.nextInt(24);
            for (int c = 0; c < length; c++) {
                input.append(random.nextInt(10) < 8 ? (char) ('0' + random.nextInt(10))
                        : random.nextInt(2) == 0 ? alphabet.charAt(random.nextInt(alphabet.length()))
                        : (char) random.nextInt(0x10000));
            }
            String label = PhoneNumbers.callingCode(input.toString());
            assertTrue(labels.contains(label), input + " -> " + label);
        }
        assertEquals("unknown", PhoneNumbers.callingCode(null));
        assertEquals("unknown", PhoneNumbers.callingCode("+" + "9".repeat(100_000)));
        assertEquals("49", PhoneNumbers.callingCode("+49" + "1".repeat(100_000)));
    }

    /** Every example number libphonenumber has (every region, every type, every non-geographic entity). */
    @Test
    void everyValidExampleNumberGivesTheCodeOfAFullParse() throws NumberParseException {
        int checked = 0;
        for (String region : UTIL.getSupportedRegions()) {
            for (PhoneNumberUtil.PhoneNumberType type : PhoneNumberUtil.PhoneNumberType.values()) {
                Phonenumber.PhoneNumber example = UTIL.getExampleNumberForType(region, type);
                if (example != null) {
                    checked += check(UTIL.format(example, PhoneNumberUtil.PhoneNumberFormat.E164));
                }
            }
        }
        for (int code : UTIL.getSupportedGlobalNetworkCallingCodes()) {
            Phonenumber.PhoneNumber example = UTIL.getExampleNumberForNonGeoEntity(code);
            if (example != null) {
                checked += check(UTIL.format(example, PhoneNumberUtil.PhoneNumberFormat.E164));
            }
        }
        assertTrue(checked > 1000, checked + " numbers");
    }

    /** Random digits: wherever a full parse succeeds, the label is its calling code. */
    @Test
    void randomDigitsAgreeWithAFullParseWheneverItSucceeds() {
        Random random = new Random(11);
        int parsed = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder e164 = new StringBuilder("+");
            int length = 1 + random.nextInt(17);
            for (int c = 0; c < length; c++) {
                e164.append((char) ('0' + random.nextInt(10)));
            }
            try {
                Phonenumber.PhoneNumber number = UTIL.parse(e164.toString(), null);
                assertEquals(Integer.toString(number.getCountryCode()), PhoneNumbers.callingCode(e164.toString()),
                        e164.toString());
                parsed++;
            } catch (NumberParseException e) {
                // the old label was "unknown"; the new one is bounded all the same (see anyStringGives…)
            }
        }
        assertTrue(parsed > 10_000, parsed + " parsed");
    }

    private static int check(String e164) throws NumberParseException {
        assertEquals(Integer.toString(UTIL.parse(e164, null).getCountryCode()), PhoneNumbers.callingCode(e164), e164);
        return 1;
    }
}
