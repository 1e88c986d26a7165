package io.twostep.keycloak.provider;

import org.keycloak.credential.CredentialModel;

/** Helpers for the typed views of stored credentials that this extension's credential models are. */
public final class StoredCredentials {

    private StoredCredentials() {
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
