package io.twostep.keycloak.admin;

import org.junit.jupiter.api.Test;
import org.keycloak.common.util.MultivaluedHashMap;
import org.keycloak.component.ComponentModel;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tab's change detection: the admin console sends every field of the form, so a save changes only the fields that
 * differ from what the form was filled with, and a value set elsewhere and not on the page is not written back.
 */
class TwoStepUiTabTest {

    private static MultivaluedHashMap<String, String> form(String... pairs) {
        MultivaluedHashMap<String, String> form = new MultivaluedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            form.putSingle(pairs[i], pairs[i + 1]);
        }
        return form;
    }

    private static ComponentModel stored(String... pairs) {
        ComponentModel tab = new ComponentModel();
        tab.setConfig(form(pairs));
        return tab;
    }

    @Test
    void aFirstSaveChangesOnlyWhatDiffersFromTheFieldsDefaults() {
        assertEquals(Map.of("enrolmentGraceDays", "5"), TwoStepUiTab.changes(null, form("required", "false",
                "method", "any", "trustedDeviceDays", "90", "enrolmentGraceDays", "5")));
    }

    @Test
    void aLaterSaveChangesOnlyWhatDiffersFromTheStoredCopy() {
        ComponentModel copy = stored("required", "true", "method", "otp", "trustedDeviceDays", "30",
                "enrolmentGraceDays", "0");
        assertEquals(Map.of(), TwoStepUiTab.changes(copy, form("required", "true", "method", "otp",
                "trustedDeviceDays", "30", "enrolmentGraceDays", "0")), "saved again unchanged");
        assertEquals(Map.of("method", "sms"), TwoStepUiTab.changes(copy, form("required", "true", "method", "sms",
                "trustedDeviceDays", "30", "enrolmentGraceDays", "0")));
    }

    @Test
    void blanksAndOtherFieldsAreNoChangeAndValuesAreTrimmed() {
        ComponentModel copy = stored("required", "false", "method", "any", "trustedDeviceDays", "90",
                "enrolmentGraceDays", "0");
        assertEquals(Map.of("trustedDeviceDays", "7"), TwoStepUiTab.changes(copy, form("required", " ",
                "trustedDeviceDays", " 7 ", "readiness", "all fine", "setUp", "true", "tab", "two-step")));
        assertEquals(Map.of(), TwoStepUiTab.changes(copy, form("method", " any ")));
    }

    /** The list fields show their options as words; a save reads them, and the attribute values, alike. */
    @Test
    void theListFieldsWordsAreReadAsTheirValues() {
        ComponentModel copy = stored("required", "true", "method", "Authenticator app", "trustedDeviceDays", "30",
                "enrolmentGraceDays", "0", "recoveryCodes", "Offered after a set-up");
        assertEquals(Map.of(), TwoStepUiTab.changes(copy, form("method", "otp", "recoveryCodes", "offer")));
        assertEquals(Map.of("method", "sms", "recoveryCodes", "required"), TwoStepUiTab.changes(copy,
                form("method", "Text message (SMS)", "recoveryCodes", "Required")));
        assertEquals(Map.of(), TwoStepUiTab.changes(null, form("method", "User's choice")), "the default, as words");
    }

    @Test
    void aBadValueIsAChangeForTheSaveToRefuse() {
        assertEquals(Map.of("method", "fax"), TwoStepUiTab.changes(null, form("method", "fax")));
    }
}
