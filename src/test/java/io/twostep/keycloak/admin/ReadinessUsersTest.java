package io.twostep.keycloak.admin;

import io.twostep.keycloak.support.Fakes;
import jakarta.persistence.Entity;
import jakarta.persistence.metamodel.Attribute;
import jakarta.persistence.metamodel.EntityType;
import jakarta.persistence.metamodel.Metamodel;
import org.junit.jupiter.api.Test;
import org.keycloak.common.Version;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The readiness report's bulk queries name Keycloak's internal JPA entities. These tests fail when the Keycloak this
 * build runs (the {@code keycloak-quarkus-dist} of {@code keycloak.version}) no longer has an entity or attribute the
 * queries read, and check that the product's own check before querying ({@link ReadinessUsers#readable}) covers every
 * attribute the queries name.
 */
class ReadinessUsersTest {

    private static final String ENTITIES = "org.keycloak.models.jpa.entities.";

    @Test
    void theListOfAttributesCoversEveryAttributeTheQueriesName() {
        Map<String, Set<String>> named = new HashMap<>();
        for (String query : List.of(ReadinessUsers.PHONE_NUMBERS, ReadinessUsers.WITH_SECOND_FACTOR,
                ReadinessUsers.WITH_RECOVERY_CODES, ReadinessUsers.USERS)) {
            Matcher from = Pattern.compile("from (\\w+) (\\w+)").matcher(query);
            assertTrue(from.find(), query);
            String entity = from.group(1);
            Matcher path = Pattern.compile("\\b" + from.group(2) + "((?:\\.\\w+)+)").matcher(query);
            while (path.find()) {
                String[] steps = path.group(1).substring(1).split("\\.");
                named.computeIfAbsent(entity, k -> new TreeSet<>()).add(steps[0]);
                if (steps.length > 1) { // a.user.realmId: the user's attribute
                    named.computeIfAbsent("UserEntity", k -> new TreeSet<>()).add(steps[1]);
                }
            }
        }
        named.forEach((entity, attributes) -> assertTrue(ReadinessUsers.ENTITY_ATTRIBUTES.containsKey(entity)
                && ReadinessUsers.ENTITY_ATTRIBUTES.get(entity).containsAll(attributes),
                entity + " " + attributes + " not all in " + ReadinessUsers.ENTITY_ATTRIBUTES));
    }

    @Test
    void theKeycloakThisBuildRunsHasEveryEntityAndAttributeTheQueriesRead() throws Exception {
        Path jar = modelJpaJarOfTheDistribution();
        try (EntityLoader loader = new EntityLoader(jar)) {
            for (Map.Entry<String, Set<String>> entity : ReadinessUsers.ENTITY_ATTRIBUTES.entrySet()) {
                Class<?> type = loader.loadClass(ENTITIES + entity.getKey());
                Entity annotation = type.getAnnotation(Entity.class);
                assertNotNull(annotation, type + " is no JPA entity");
                assertTrue(annotation.name().isEmpty() || annotation.name().equals(entity.getKey()),
                        "entity name of " + type + ": " + annotation.name());
                Set<String> fields = new HashSet<>();
                for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                    for (Field field : c.getDeclaredFields()) {
                        fields.add(field.getName());
                    }
                }
                assertTrue(fields.containsAll(entity.getValue()),
                        type + " lacks some of " + entity.getValue() + "; it has " + new TreeSet<>(fields));
            }
        }
    }

    @Test
    void theCheckBeforeQueryingWantsEveryEntityAndAttribute() {
        assertTrue(ReadinessUsers.readable(metamodel(ReadinessUsers.ENTITY_ATTRIBUTES)));
        Map<String, Set<String>> renamed = new HashMap<>(ReadinessUsers.ENTITY_ATTRIBUTES);
        renamed.put("UserEntity", Set.of("id", "username", "realmId"));
        assertFalse(ReadinessUsers.readable(metamodel(renamed)), "an attribute gone");
        Map<String, Set<String>> missing = new HashMap<>(ReadinessUsers.ENTITY_ATTRIBUTES);
        missing.remove("CredentialEntity");
        assertFalse(ReadinessUsers.readable(metamodel(missing)), "an entity gone");
    }

    private static Metamodel metamodel(Map<String, Set<String>> entities) {
        Set<EntityType<?>> types = new HashSet<>();
        entities.forEach((name, attributes) -> types.add(Fakes.of(EntityType.class, Fakes.answers()
                .returning("getName", name)
                .answering("getAttribute", args -> {
                    if (!attributes.contains((String) args[0])) {
                        throw new IllegalArgumentException("no attribute " + args[0]);
                    }
                    return Fakes.of(Attribute.class, Fakes.answers().returning("getName", args[0]));
                }))));
        return Fakes.of(Metamodel.class, Fakes.answers().returning("getEntities", types));
    }

    /** @return the {@code keycloak-model-jpa} jar inside the Keycloak distribution the journeys run, unpacked */
    private static Path modelJpaJarOfTheDistribution() throws IOException {
        String version = Version.VERSION;
        Path repository = Path.of(System.getProperty("maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));
        Path zip = repository.resolve(Path.of("org", "keycloak", "keycloak-quarkus-dist", version,
                "keycloak-quarkus-dist-" + version + ".zip"));
        assertTrue(Files.isRegularFile(zip), "the Keycloak distribution the build resolves: " + zip);
        String entry = "keycloak-" + version + "/lib/lib/main/org.keycloak.keycloak-model-jpa-" + version + ".jar";
        try (ZipFile dist = new ZipFile(zip.toFile())) {
            ZipEntry jar = dist.getEntry(entry);
            assertNotNull(jar, entry + " in " + zip);
            Path unpacked = Files.createTempFile("keycloak-model-jpa-", ".jar");
            unpacked.toFile().deleteOnExit();
            try (InputStream in = dist.getInputStream(jar)) {
                Files.copy(in, unpacked, StandardCopyOption.REPLACE_EXISTING);
            }
            return unpacked;
        }
    }

    /** Loads Keycloak's entity classes from the given jar first (the build compiles against an older copy). */
    private static final class EntityLoader extends URLClassLoader {

        EntityLoader(Path jar) throws IOException {
            super(new URL[]{jar.toUri().toURL()}, ReadinessUsersTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("org.keycloak.models.jpa.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                return loaded != null ? loaded : findClass(name);
            }
        }
    }
}
