package io.twostep.keycloak.support;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Small in-memory stand-ins for Keycloak interfaces, for unit tests of pure logic that takes one (a realm's name, a
 * user's credentials). A fake answers only the methods it is given, by name; any other call fails the test with the
 * method's name, so a test never passes on an answer nobody chose.
 */
public final class Fakes {

    private Fakes() {
    }

    /** Answers to give, by method name; each gets the call's arguments ({@code null} when there are none). */
    public static final class Answers {

        private final Map<String, Function<Object[], Object>> byName = new HashMap<>();

        /** @return these answers, plus {@code value} for every call of {@code method} */
        public Answers returning(String method, Object value) {
            byName.put(method, args -> value);
            return this;
        }

        /** @return these answers, plus {@code answer} computed from the arguments of each call of {@code method} */
        public Answers answering(String method, Function<Object[], Object> answer) {
            byName.put(method, answer);
            return this;
        }
    }

    /** @return an empty set of answers to fill */
    public static Answers answers() {
        return new Answers();
    }

    /**
     * @param type    the Keycloak interface
     * @param answers what its methods answer
     * @param <T>     the interface
     * @return a fake; an unanswered method throws {@link UnsupportedOperationException} naming it
     */
    @SuppressWarnings("unchecked")
    public static <T> T of(Class<T> type, Answers answers) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (self, method, args) -> {
            Function<Object[], Object> answer = answers.byName.get(method.getName());
            if (answer != null) {
                return answer.apply(args);
            }
            return switch (method.getName()) {
                case "toString" -> "fake " + type.getSimpleName();
                case "hashCode" -> System.identityHashCode(self);
                case "equals" -> self == args[0];
                default -> throw new UnsupportedOperationException("fake " + type.getSimpleName()
                        + " has no answer for " + method.getName());
            };
        });
    }

    /** @return a fake realm or user (any interface with {@code getId}, {@code getName}) with that id and name */
    public static <T> T named(Class<T> type, String id, String name) {
        return of(type, answers().returning("getId", id).returning("getName", name).returning("getUsername", name));
    }
}
