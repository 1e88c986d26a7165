package io.twostep.keycloak.smscode;

import java.util.HashMap;
import java.util.Map;

/**
 * {@link SmsCodeState.Notes} in a map, as the authentication session's notes would hold them.
 *
 * @param map the notes, for a test to read or tamper with
 */
record MapNotes(Map<String, String> map) implements SmsCodeState.Notes {

    MapNotes() {
        this(new HashMap<>());
    }

    @Override
    public String get(String key) {
        return map.get(key);
    }

    @Override
    public void set(String key, String value) {
        map.put(key, value);
    }

    @Override
    public void remove(String key) {
        map.remove(key);
    }
}
