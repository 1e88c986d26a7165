package io.twostep.keycloak.policy;

import org.keycloak.Config;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.provider.ProviderConfigProperty;

import java.util.List;

/**
 * What the policy's flow steps (and the remembered-device steps) have in common: no settings of their own (the
 * realm's {@code twoStep.*} attributes drive them), REQUIRED or DISABLED only, a user known from the first step, and
 * nothing for users to set up through them. The last two implement the {@code Authenticator} methods of the
 * subclasses.
 */
public abstract class PolicyStepFactory implements AuthenticatorFactory {

    private static final AuthenticationExecutionModel.Requirement[] CHOICES = {
            AuthenticationExecutionModel.Requirement.REQUIRED, AuthenticationExecutionModel.Requirement.DISABLED};

    /** @return true: every policy step decides about the user the first step identified */
    public boolean requiresUser() {
        return true;
    }

    /** @return true: a policy step runs for every user, whatever they have set up */
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return true;
    }

    /** Nothing to add: a policy step schedules its own required actions where it needs them. */
    public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
    }

    @Override
    public boolean isConfigurable() {
        return false;
    }

    @Override
    public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
        return CHOICES;
    }

    @Override
    public boolean isUserSetupAllowed() {
        return false;
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }
}
