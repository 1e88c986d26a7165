package io.twostep.keycloak.authenticator;

import io.twostep.keycloak.otp.TwoStepEvents;
import io.twostep.keycloak.policy.SecondFactors;
import io.twostep.keycloak.policy.TwoStepSettings;
import jakarta.ws.rs.core.Response;
import org.keycloak.Config;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.authenticators.directgrant.AbstractDirectGrantAuthenticator;
import org.keycloak.events.Errors;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.provider.ProviderConfigProperty;

import java.util.List;

/**
 * {@code sms-otp-direct-grant-guard}, for direct-grant (password grant) flows: neither an SMS code nor an enrolment
 * can happen there, so a user whose second factor is SMS alone, or who has none while the realm's two-step toggle
 * is on, is refused with {@code invalid_grant}. Users with an authenticator app pass on to the flow's own OTP check
 * ({@code totp} parameter). Without it, a password alone would get tokens (SECURITY.md S07, S16).
 */
public final class SmsDirectGrantGuard extends AbstractDirectGrantAuthenticator {

    /** Provider id. */
    public static final String ID = "sms-otp-direct-grant-guard";

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        UserModel user = context.getUser();
        SecondFactors factors = SecondFactors.of(user);
        boolean needsSecondStep = factors.sms()
                || TwoStepSettings.fromAttributes(context.getRealm().getAttributes()).required();
        if (factors.app() || !needsSecondStep) {
            context.success();
            return;
        }
        context.getEvent().user(user).detail(TwoStepEvents.EVENT, "direct_grant_refused")
                .error(Errors.INVALID_USER_CREDENTIALS);
        Response error = errorResponse(Response.Status.BAD_REQUEST.getStatusCode(), "invalid_grant",
                "This account's second step cannot be completed with a password grant; use the browser login");
        context.failure(AuthenticationFlowError.INVALID_CREDENTIALS, error);
    }

    @Override
    public boolean requiresUser() {
        return true;
    }

    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return true;
    }

    @Override
    public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
    }

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getDisplayType() {
        return "Two-step guard (direct grant)";
    }

    /**
     * A category of its own: the brute-force detector counts failures of category {@code null} as bad passwords,
     * and a refused grant after a correct password is not one.
     */
    @Override
    public String getReferenceCategory() {
        return "two-step-guard";
    }

    @Override
    public boolean isConfigurable() {
        return false;
    }

    @Override
    public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
        return new AuthenticationExecutionModel.Requirement[]{
                AuthenticationExecutionModel.Requirement.REQUIRED, AuthenticationExecutionModel.Requirement.DISABLED};
    }

    @Override
    public boolean isUserSetupAllowed() {
        return false;
    }

    @Override
    public String getHelpText() {
        return "Refuses a password grant for users whose second step cannot be done there (SMS only, or none while "
                + "the realm requires two-step login).";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }

    @Override
    public Authenticator create(KeycloakSession session) {
        return this;
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
