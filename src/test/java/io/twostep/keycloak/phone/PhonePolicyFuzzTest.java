package io.twostep.keycloak.phone;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 10 000 random inputs through the enrolment validation: an answer every time, never an exception. */
class PhonePolicyFuzzTest {

    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");

    @Test
    void tenThousandRandomInputsGetAVerdict() {
        PhonePolicy policy = PhonePolicy.of("DE", "");
        Random random = new Random(42);
        String alphabet = "0123456789++--(())  ..//#*xXeE\u00A0\u0660\u0661\u0669\uFF11aZ\u2603\u0000\t\n";
        int accepted = 0;
        for (int i = 0; i < 10_000; i++) {
            StringBuilder input = new StringBuilder();
            int length = random.nextInt(i % 100 == 0 ? 300 : 24);
            for (int j = 0; j < length; j++) {
                input.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            if (i % 3 == 0) {
                input.insert(0, "+49 15" + random.nextInt(10));
            }
            PhonePolicy.Result result = policy.check(input.toString());
            assertNotNull(result);
            assertTrue(result.accepted() != (result.rejection() != null), "exactly one of number and reason");
            if (result.accepted()) {
                accepted++;
                assertTrue(E164.matcher(result.e164()).matches(), result.e164());
            }
        }
        assertTrue(accepted > 0, "the fuzz reached the accepting path too");
    }
}
