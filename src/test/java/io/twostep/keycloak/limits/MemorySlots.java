package io.twostep.keycloak.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** {@link SlotCounter.Store} in memory, atomic like Keycloak's single-use store: for unit tests with real threads. */
public final class MemorySlots implements SlotCounter.Store {

    private static final long NO_STAMP = -1;

    private final Map<String, Long> entries = new ConcurrentHashMap<>();
    private final Map<String, Long> lifespans = new ConcurrentHashMap<>();
    private volatile Predicate<String> takenElsewhere = key -> false;
    private final AtomicInteger lookUps = new AtomicInteger();

    /**
     * Makes every claim of a matching key fail, as if another request had taken it a moment before.
     *
     * @return this store
     */
    public MemorySlots takenElsewhere(Predicate<String> keys) {
        this.takenElsewhere = keys;
        return this;
    }

    /** @return the lifespan in seconds each slot and stamp was written with (in-flight markers left out) */
    public Map<String, Long> lifespans() {
        return lifespans;
    }

    @Override
    public boolean putIfAbsent(String key, long lifespanSeconds) {
        if (takenElsewhere.test(key)) {
            return false;
        }
        if (!key.endsWith(".pending")) {
            lifespans.put(key, lifespanSeconds);
        }
        return entries.putIfAbsent(key, NO_STAMP) == null;
    }

    @Override
    public boolean contains(String key) {
        lookUps.incrementAndGet();
        return entries.containsKey(key);
    }

    @Override
    public void stamp(String key, long lifespanSeconds, long epochSeconds) {
        lifespans.put(key, lifespanSeconds);
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

    /** @return how many {@link #contains} calls there have been */
    public int lookUps() {
        return lookUps.get();
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
