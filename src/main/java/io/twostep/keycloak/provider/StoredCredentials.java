package io.twostep.keycloak.provider;

import org.keycloak.credential.CredentialModel;
import org.keycloak.util.JsonSerialization;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Helpers for the typed views of stored credentials that this extension's credential models are. */
public final class StoredCredentials {

    private StoredCredentials() {
    }

    /**
     * Fills a new, unsaved credential.
     *
     * @param model     the typed credential to fill
     * @param type      its credential type
     * @param label     its label, unique among the user's credentials of the type
     * @param createdAt epoch milliseconds
     * @param data      what goes into its credential data, as JSON
     * @param secret    what goes into its secret data, as JSON
     * @param <T>       the credential's type
     * @return {@code model}
     */
    public static <T extends CredentialModel> T fillNew(T model, String type, String label, long createdAt,
                                                        Object data, Object secret) {
        model.setType(type);
        model.setUserLabel(label);
        model.setCreatedDate(createdAt);
        model.setCredentialData(json(data));
        model.setSecretData(json(secret));
        return model;
    }

    /**
     * @param value a record or map of plain values
     * @return its JSON
     * @throws UncheckedIOException when it does not serialise (never for plain values)
     */
    public static String json(Object value) {
        try {
            return JsonSerialization.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Copies what Keycloak stores for every credential (id, type, creation time, label, secret and credential data)
     * from a stored credential into its typed view.
     *
     * @param stored a credential as Keycloak's credential store returns it
     * @param view   the typed view to fill
     * @param <T>    the view's type
     * @return {@code view}
     */
    public static <T extends CredentialModel> T copyInto(CredentialModel stored, T view) {
        view.setId(stored.getId());
        view.setType(stored.getType());
        view.setCreatedDate(stored.getCreatedDate());
        view.setUserLabel(stored.getUserLabel());
        view.setSecretData(stored.getSecretData());
        view.setCredentialData(stored.getCredentialData());
        return view;
    }
}
