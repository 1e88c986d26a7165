package io.twostep.keycloak.benchmark;

/**
 * One account of the benchmark realm.
 *
 * @param username the user name; the password is {@code TestUsers.PASSWORD}
 * @param number   the bound number (E.164), or {@code null} for a user without SMS
 */
record BenchUser(String username, String number) {
}
