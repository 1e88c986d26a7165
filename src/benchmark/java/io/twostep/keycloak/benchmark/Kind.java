package io.twostep.keycloak.benchmark;

/** The kinds of login the benchmark compares. */
enum Kind {
    /** Password only: a user without a second factor (the realm policy is off, as in the demo). */
    PASSWORD("password only"),
    /** Password, then Keycloak's built-in authenticator-app (TOTP) form. */
    TOTP("password + TOTP"),
    /** Password, then an SMS code through the fake gateway. */
    SMS("password + SMS"),
    /** Password from a browser with a remembered device: the second step is skipped. */
    DEVICE("password + remembered device");

    final String label;

    Kind(String label) {
        this.label = label;
    }
}
