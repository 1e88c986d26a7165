package io.twostep.keycloak.admin;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.policy.SecondFactors;
import jakarta.persistence.EntityManager;
import jakarta.persistence.metamodel.EntityType;
import jakarta.persistence.metamodel.ManagedType;
import jakarta.persistence.metamodel.Metamodel;
import org.jboss.logging.Logger;
import org.keycloak.connections.jpa.JpaConnectionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.OTPCredentialModel;
import org.keycloak.models.credential.RecoveryAuthnCodesCredentialModel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The users of a realm as the readiness report needs them: id and username, {@code phoneNumber}, whether they
 * have a second factor (app or SMS), and how many have recovery codes, service accounts left out.
 * <p>
 * Where the users live in Keycloak's own database, four JPA queries read them all, whatever their number (10 000
 * users: about 0.7 s on a cold cache, {@code ReadinessBenchmark}); Keycloak's public user API would cost two
 * queries per user (minutes). The queries name Keycloak's internal entities ({@link #ENTITY_ATTRIBUTES}), which are
 * no public API: before querying, the attributes they read are looked up in the JPA metamodel, and a Keycloak whose
 * entities changed, a store without JPA, or a realm with a user storage provider (LDAP, Kerberos, custom) is read
 * through the public user API instead ({@link #throughModel}), with a warning for the first two. The unit test
 * {@code ReadinessUsersTest} checks the attributes against the entities of the Keycloak distribution the build runs.
 *
 * @param users            every user, by username
 * @param phoneNumbers     user id to the {@code phoneNumber} attribute as stored
 * @param withSecondFactor  ids of the users with an app or a proven number
 * @param withRecoveryCodes how many users have a set of recovery codes
 */
record ReadinessUsers(Stream<ReadinessReport.Entry> users, Map<String, String> phoneNumbers,
                      Set<String> withSecondFactor, int withRecoveryCodes) {

    /** The JPA entities and attributes the queries below read: what a Keycloak version must still have. */
    static final Map<String, Set<String>> ENTITY_ATTRIBUTES = Map.of(
            "UserEntity", Set.of("id", "username", "realmId", "serviceAccountClientLink"),
            "UserAttributeEntity", Set.of("user", "name", "value"),
            "CredentialEntity", Set.of("user", "type"));

    static final String PHONE_NUMBERS = "select a.user.id, a.value from UserAttributeEntity a "
            + "where a.name = '" + TwoStepIds.PHONE_NUMBER + "' and a.user.realmId = :realm";
    static final String WITH_SECOND_FACTOR = "select distinct c.user.id from CredentialEntity c "
            + "where c.user.realmId = :realm and c.type in (:types)";
    static final String WITH_RECOVERY_CODES = "select count(distinct c.user.id) from CredentialEntity c "
            + "where c.user.realmId = :realm and c.type = :type";
    static final String USERS = "select u.id, u.username from UserEntity u "
            + "where u.realmId = :realm and u.serviceAccountClientLink is null order by u.username";

    private static final Logger LOG = Logger.getLogger(ReadinessUsers.class);
    private static final AtomicBoolean FALLBACK_WARNED = new AtomicBoolean();

    /**
     * @return the realm's users, by the four queries where they can run, else through the public user API
     */
    static ReadinessUsers of(KeycloakSession session, RealmModel realm) {
        if (federated(realm)) {
            return throughModel(session, realm);
        }
        JpaConnectionProvider jpa = session.getProvider(JpaConnectionProvider.class);
        EntityManager em = jpa == null ? null : jpa.getEntityManager();
        if (em == null || !readable(em.getMetamodel())) {
            if (FALLBACK_WARNED.compareAndSet(false, true)) {
                LOG.warn("The readiness report cannot read users with its bulk queries on this Keycloak (no JPA "
                        + "store, or its user entities changed); it reads them one by one, which is slow for many "
                        + "users.");
            }
            return throughModel(session, realm);
        }
        return bulk(em, realm);
    }

    /**
     * @param metamodel a JPA metamodel
     * @return whether it has every entity and attribute of {@link #ENTITY_ATTRIBUTES}
     */
    static boolean readable(Metamodel metamodel) {
        Map<String, ManagedType<?>> entities = new HashMap<>();
        for (EntityType<?> entity : metamodel.getEntities()) {
            entities.put(entity.getName(), entity);
        }
        return ENTITY_ATTRIBUTES.entrySet().stream().allMatch(e -> entities.containsKey(e.getKey())
                && e.getValue().stream().allMatch(attribute -> has(entities.get(e.getKey()), attribute)));
    }

    private static boolean has(ManagedType<?> entity, String attribute) {
        try {
            return entity.getAttribute(attribute) != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static ReadinessUsers bulk(EntityManager em, RealmModel realm) {
        Map<String, String> phones = new HashMap<>();
        em.createQuery(PHONE_NUMBERS, Object[].class).setParameter("realm", realm.getId()).getResultStream()
                .forEach(row -> phones.putIfAbsent((String) row[0], (String) row[1]));
        Set<String> factors = new HashSet<>();
        em.createQuery(WITH_SECOND_FACTOR, String.class)
                .setParameter("realm", realm.getId())
                .setParameter("types", List.of(OTPCredentialModel.TYPE, TwoStepIds.SMS_OTP_CREDENTIAL))
                .getResultStream().forEach(factors::add);
        Stream<ReadinessReport.Entry> users = em.createQuery(USERS, Object[].class)
                .setParameter("realm", realm.getId()).getResultStream()
                .map(row -> new ReadinessReport.Entry((String) row[0], (String) row[1]));
        long withCodes = em.createQuery(WITH_RECOVERY_CODES, Long.class).setParameter("realm", realm.getId())
                .setParameter("type", RecoveryAuthnCodesCredentialModel.TYPE).getSingleResult();
        return new ReadinessUsers(users, phones, factors, (int) withCodes);
    }

    /** Through Keycloak's public user API, one user at a time: for users a user storage provider holds. */
    static ReadinessUsers throughModel(KeycloakSession session, RealmModel realm) {
        Map<String, String> phones = new HashMap<>();
        Set<String> factors = new HashSet<>();
        List<ReadinessReport.Entry> users = new ArrayList<>();
        int[] withCodes = {0};
        session.users().searchForUserStream(realm, Map.of(UserModel.INCLUDE_SERVICE_ACCOUNT, "false"))
                .forEach(user -> {
                    users.add(new ReadinessReport.Entry(user.getId(), user.getUsername()));
                    String phone = user.getFirstAttribute(TwoStepIds.PHONE_NUMBER);
                    if (phone != null) {
                        phones.put(user.getId(), phone);
                    }
                    SecondFactors has = SecondFactors.of(user);
                    if (has.app() || has.sms()) {
                        factors.add(user.getId());
                    }
                    if (user.credentialManager().getStoredCredentialsByTypeStream(
                            RecoveryAuthnCodesCredentialModel.TYPE).findAny().isPresent()) {
                        withCodes[0]++;
                    }
                });
        return new ReadinessUsers(users.stream(), phones, factors, withCodes[0]);
    }

    private static boolean federated(RealmModel realm) {
        return realm.getComponentsStream(realm.getId(), "org.keycloak.storage.UserStorageProvider").findAny()
                .isPresent();
    }
}
