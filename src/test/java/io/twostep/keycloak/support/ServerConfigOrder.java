package io.twostep.keycloak.support;

import org.junit.jupiter.api.ClassDescriptor;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import java.util.Comparator;

/**
 * The order of the test classes: classes without a Keycloak first, then the journey classes grouped by their server
 * configuration, so that each Keycloak is started once. This is what the test framework's own
 * {@code ServerConfigClassOrderer} (26.7.0) intends; its comparator answers "greater" both ways round for a class
 * with and one without {@link KeycloakIntegrationTest}, which Java's sort may reject ("Comparison method violates
 * its general contract") once there are enough classes. Set as {@code junit.jupiter.testclass.order.default} in
 * Surefire's configuration.
 */
public class ServerConfigOrder implements ClassOrderer {

    @Override
    public void orderClasses(ClassOrdererContext context) {
        context.getClassDescriptors().sort(Comparator.comparing(ServerConfigOrder::key));
    }

    /** @return {@code ""} for a class without a Keycloak, else the server configuration's class name */
    static String key(ClassDescriptor descriptor) {
        return descriptor.findAnnotation(KeycloakIntegrationTest.class)
                .map(test -> test.config().getName()).orElse("");
    }
}
