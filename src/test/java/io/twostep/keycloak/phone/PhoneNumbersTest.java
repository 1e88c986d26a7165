package io.twostep.keycloak.phone;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PhoneNumbersTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "+4915123456789 | 49",
            "+12015550123   | 1",    // one digit: North America
            "+447911123456  | 44",
            "+3531234567    | 353",  // three digits: Ireland
            "+88216012345   | 882",  // international networks
            "+2421234567    | 242",  // Republic of the Congo: 242, not 24 (unassigned)
    })
    void callingCodeIsTheAssignedPrefix(String e164, String code) {
        assertEquals(code, PhoneNumbers.callingCode(e164));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "+", "4915123456789", "+49 151 2345", "+49-151", "+0123456789", "+999123456",
            "+２４２１２３４５６７"})
    void callingCodeOfAnythingElseIsUnknown(String input) {
        assertEquals("unknown", PhoneNumbers.callingCode(input));
    }

    @ParameterizedTest
    @ValueSource(strings = {"+4915123456789", "+12015550123", "+447911123456", "+3531234567", "+8613812345678",
            "+5511912345678", "+819012345678", "+27821234567", "+61412345678", "+97150123456"})
    void callingCodeMatchesAFullParse(String e164) throws Exception {
        assertEquals(Integer.toString(PhoneNumberUtil.getInstance().parse(e164, null).getCountryCode()),
                PhoneNumbers.callingCode(e164));
    }
}
