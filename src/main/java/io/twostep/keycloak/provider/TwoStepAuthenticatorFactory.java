package io.twostep.keycloak.provider;

import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.provider.ProviderConfigProperty;

import java.util.List;

/**
 * The one shape of this extension's flow steps: an {@code XxxAuthenticatorFactory} holds what the admin console
 * shows (id, display text, help text, requirement choices, settings) and creates a separate {@code XxxAuthenticator}
 * that does the work. Authenticators keep no state between requests (it lives in the authentication session), so
 * one instance serves every request.
 * <p>
 * Defaults, for the steps of the policy: no settings, REQUIRED or DISABLED only, nothing a user sets up through the
 * step, no reference category. A step that differs overrides the method.
 */
public abstract class TwoStepAuthenticatorFactory extends SingletonFactory<Authenticator>
        implements AuthenticatorFactory {

    private static final AuthenticationExecutionModel.Requirement[] REQUIRED_OR_DISABLED = {
            AuthenticationExecutionModel.Requirement.REQUIRED, AuthenticationExecutionModel.Requirement.DISABLED};

    private final String helpText;

    /**
     * @param id            provider id, as flows refer to it (see {@code TwoStepIds})
     * @param displayType   name in the admin console's flow editor
     * @param helpText      one sentence for the admin console
     * @param authenticator the step, shared by every request
     */
    protected TwoStepAuthenticatorFactory(String id, String displayType, String helpText, Authenticator authenticator) {
        super(id, displayType, authenticator);
        this.helpText = helpText;
    }

    @Override
    public final String getDisplayType() {
        return displayName();
    }

    @Override
    public final String getHelpText() {
        return helpText;
    }

    /** @return {@code null}: the step is no credential's authenticator, and Keycloak's brute-force count skips it */
    @Override
    public String getReferenceCategory() {
        return null;
    }

    /** @return {@code false}: the realm's {@code twoStep.*} attributes drive the step */
    @Override
    public boolean isConfigurable() {
        return false;
    }

    /** @return REQUIRED and DISABLED */
    @Override
    public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
        return REQUIRED_OR_DISABLED.clone();
    }

    /** @return {@code false}: users set nothing up through the step itself */
    @Override
    public boolean isUserSetupAllowed() {
        return false;
    }

    /** @return no settings */
    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }
}
