package io.twostep.keycloak.support;

import org.keycloak.testframework.realm.RealmBuilder;
import org.keycloak.testframework.realm.RealmConfig;

import java.util.UUID;

/**
 * Imports the demo realm under a new realm id each time the test framework creates it (once per test class). The
 * id in {@code realm-export.json} is fixed, and server-side state keyed by realm id (the SMS budgets, the wrong-code
 * counts) would otherwise outlive the realm's re-creation and leak from one test class into the next.
 */
public class FreshRealmId implements RealmConfig {

    @Override
    public RealmBuilder configure(RealmBuilder realm) {
        return realm.id(UUID.randomUUID().toString());
    }
}
