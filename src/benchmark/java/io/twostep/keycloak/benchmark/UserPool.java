package io.twostep.keycloak.benchmark;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The accounts of one kind of login, handed out in turn so that no account passes a per-user budget (10 SMS an
 * hour) during a run. For the authenticator app, Keycloak refuses a TOTP code an account has used before (code reuse
 * is off in the demo realm, as by default) but accepts the code of the next 30-s time step too (look-around 1): an
 * account is handed out at most twice per time step, with the code of this step, then of the next, and never with
 * a step's code it was given before (an account given the next step's code is given it only once).
 */
final class UserPool {

    private static final long TOTP_STEP_MS = 30_000;

    private final List<BenchUser> users;
    private final boolean oncePerTimeStep;
    private final AtomicInteger next = new AtomicInteger();
    /** The latest time step whose TOTP code each account has been given. */
    private final Map<String, Long> lastCodeStep = new ConcurrentHashMap<>();
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
            long[] codeStep = new long[1]; // the time step whose code to enter: this one or the next; 0: none left
            lastCodeStep.compute(user.username(), (name, used) -> {
                // A code once entered is refused for good: never hand out a step's code twice, even when the
                // account entered the next step's code in the step before.
                long candidate = used == null || used < step ? step : used + 1;
                codeStep[0] = candidate <= step + 1 ? candidate : 0;
                return codeStep[0] > 0 ? codeStep[0] : used;
            });
            if (codeStep[0] > 0) {
                return new Lease(user, codeStep[0] * TOTP_STEP_MS + TOTP_STEP_MS / 2);
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
