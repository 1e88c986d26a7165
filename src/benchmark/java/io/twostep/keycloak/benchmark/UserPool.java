package io.twostep.keycloak.benchmark;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The accounts of one kind of login, handed out in turn so that no account passes a per-user budget (10 SMS an
 * hour) during a run. For the authenticator app, an account is handed out at most once per 30-s time step, because
 * Keycloak refuses a TOTP code an account has used before (code reuse is off in the demo realm, as by default).
 */
final class UserPool {

    private static final long TOTP_STEP_MS = 30_000;

    private final List<BenchUser> users;
    private final boolean oncePerTimeStep;
    private final AtomicInteger next = new AtomicInteger();
    private final Map<String, Long> lastStep = new ConcurrentHashMap<>();
    private final Map<String, String[]> deviceCookies = new ConcurrentHashMap<>();

    UserPool(List<BenchUser> users, boolean oncePerTimeStep) {
        if (users.isEmpty()) {
            throw new IllegalArgumentException("a pool needs users");
        }
        this.users = List.copyOf(users);
        this.oncePerTimeStep = oncePerTimeStep;
    }

    /**
     * @return the next account in turn
     * @throws IllegalStateException when every account of a once-per-time-step pool was used in this step
     */
    BenchUser next() {
        for (int tries = 0; tries < users.size(); tries++) {
            BenchUser user = users.get(Math.floorMod(next.getAndIncrement(), users.size()));
            if (!oncePerTimeStep) {
                return user;
            }
            long step = System.currentTimeMillis() / TOTP_STEP_MS;
            // A later step has another code (but for a one-in-a-million chance, which then fails that login).
            Long previous = lastStep.get(user.username());
            if ((previous == null || previous < step)
                    && (previous == null ? lastStep.putIfAbsent(user.username(), step) == null
                    : lastStep.replace(user.username(), previous, step))) {
                return user;
            }
        }
        throw new IllegalStateException("every account of the pool logged in during the last time steps");
    }

    /** @return every account, in order */
    List<BenchUser> all() {
        return users;
    }

    /** Records the remembered-device cookie ({@code name}, {@code value}) of an account. */
    void rememberDevice(String username, String name, String value) {
        deviceCookies.put(username, new String[]{name, value});
    }

    /** @return the account's remembered-device cookie as {@code {name, value}}, or {@code null} */
    String[] deviceCookie(String username) {
        return deviceCookies.get(username);
    }
}
