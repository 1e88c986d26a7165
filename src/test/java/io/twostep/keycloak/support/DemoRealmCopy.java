package io.twostep.keycloak.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.testframework.realm.RealmBuilder;
import org.keycloak.testframework.realm.RealmConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A second realm, {@value #NAME}, made from {@code realm-export.json} with every id removed so it can live beside
 * the demo realm: same flows and settings, different realm.
 */
public class DemoRealmCopy implements RealmConfig {

    public static final String NAME = "demo-copy";

    @Override
    public RealmBuilder configure(RealmBuilder ignored) {
        ObjectMapper json = new ObjectMapper();
        try (InputStream in = DemoRealmCopy.class.getResourceAsStream("/realm-export.json")) {
            JsonNode realm = json.readTree(in);
            stripIds(realm);
            ((ObjectNode) realm).put("realm", NAME);
            return RealmBuilder.update(json.treeToValue(realm, RealmRepresentation.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void stripIds(JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.remove("id");
            object.remove("containerId");
        }
        node.forEach(DemoRealmCopy::stripIds);
    }
}
