package io.twostep.keycloak.limits;

import org.keycloak.models.KeycloakSession;
import org.keycloak.models.SingleUseObjectProvider;

import java.util.Map;

/**
 * {@link SlotCounter.Store} on Keycloak's {@link SingleUseObjectProvider}, the cluster-wide store Keycloak itself
 * uses for single-use action tokens. Its {@code putIfAbsent} and {@code contains} act on the cache at once (atomic
 * on the entry's owner node), while {@code put}, used for stamps, joins the request's transaction and becomes visible
 * to other requests at commit.
 */
public final class SingleUseSlots implements SlotCounter.Store {

    private static final String STAMP = "t";

    private final SingleUseObjectProvider store;

    /** @param session the request's session */
    public SingleUseSlots(KeycloakSession session) {
        this.store = session.singleUseObjects();
    }

    @Override
    public boolean putIfAbsent(String key, long lifespanSeconds) {
        return store.putIfAbsent(key, lifespanSeconds);
    }

    @Override
    public boolean contains(String key) {
        return store.contains(key);
    }

    @Override
    public void stamp(String key, long lifespanSeconds, long epochSeconds) {
        store.put(key, lifespanSeconds, Map.of(STAMP, Long.toString(epochSeconds)));
    }

    @Override
    public long stampOf(String key) {
        Map<String, String> notes = store.get(key);
        String value = notes == null ? null : notes.get(STAMP);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void remove(String key) {
        store.remove(key);
    }
}
