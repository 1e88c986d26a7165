package io.twostep.keycloak.benchmark;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The accounts of one kind of login, handed out in turn so that no account passes a per-user budget (10 SMS an
 * hour) during a run. For the authenticator app, Keycloak refuses a TOTP code an account has used before (code reuse
 * is off in the demo realm, as by default) but accepts the code of the next 30-s time step too (look-around 1): an
 * account is handed out at most twice per time step, with the code of this step, then of the next.
 */
final class UserPool {

    private static final long TOTP_STEP_MS = 30_000;

    private final List<BenchUser> users;
    private final boolean oncePerTimeStep;
    private final AtomicInteger next = new AtomicInteger();
    private final Map<String, long[]> lastStep = new ConcurrentHashMap<>();
    private final Map<String, String[]> deviceCookies = new ConcurrentHashMap<>();

    UserPool(List<BenchUser> users, boolean oncePerTimeStep) {
        if (users.isEmpty()) {
            throw new IllegalArgumentException("a pool needs users");
        }
        this.users = List.copyOf(users);
        this.oncePerTimeStep = oncePerTimeStep;
    }

    /**
     * An account handed out.
     *
     * @param user     the account
     * @param codeTime for the authenticator app: a time (epoch milliseconds) in the time step whose code to enter
     */
    record Lease(BenchUser user, long codeTime) {
    }

    /**
     * @return the next account in turn
     * @throws IllegalStateException when every account of a TOTP pool entered both codes it may in this step
     */
    Lease next() {
        for (int tries = 0; tries < users.size(); tries++) {
            BenchUser user = users.get(Math.floorMod(next.getAndIncrement(), users.size()));
            if (!oncePerTimeStep) {
                return new Lease(user, 0);
            }
            long step = System.currentTimeMillis() / TOTP_STEP_MS;
            long[] codeNumber = new long[1]; // 1: this step's code, 2: the next step's, 0: none left
            lastStep.compute(user.username(), (name, used) -> {
                if (used == null || used[0] != step) {
                    codeNumber[0] = 1;
                    return new long[]{step, 1};
                }
                codeNumber[0] = used[1] < 2 ? used[1] + 1 : 0;
                return new long[]{step, Math.max(used[1], codeNumber[0])};
            });
            if (codeNumber[0] > 0) {
                return new Lease(user, (step + codeNumber[0] - 1) * TOTP_STEP_MS + TOTP_STEP_MS / 2);
            }
        }
        throw new IllegalStateException("every account of the pool entered both codes of this time step");
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
