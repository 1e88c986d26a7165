package io.twostep.keycloak.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@link SlotCounter.Store} in memory, atomic like Keycloak's single-use store: for unit tests with real threads. */
public final class MemorySlots implements SlotCounter.Store {

    private static final long NO_STAMP = -1;

    private final Map<String, Long> entries = new ConcurrentHashMap<>();

    @Override
    public boolean putIfAbsent(String key, long lifespanSeconds) {
        return entries.putIfAbsent(key, NO_STAMP) == null;
    }

    @Override
    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    @Override
    public void stamp(String key, long lifespanSeconds, long epochSeconds) {
        entries.put(key, epochSeconds);
    }

    @Override
    public long stampOf(String key) {
        return entries.getOrDefault(key, NO_STAMP);
    }

    @Override
    public void remove(String key) {
        entries.remove(key);
    }

    /** @return how many slots there are (in-flight markers not counted) */
    public int size() {
        return (int) entries.keySet().stream().filter(k -> !k.endsWith(".pending")).count();
    }

    /** What Keycloak's cache does {@value SlotCounter#PENDING_SECONDS} s after a claim: its in-flight marker is gone. */
    public void expirePending() {
        entries.keySet().removeIf(k -> k.endsWith(".pending"));
    }
}
