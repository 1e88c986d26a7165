package io.twostep.keycloak.authenticator;

import io.twostep.keycloak.events.TwoStepEvents;
import io.twostep.keycloak.metrics.TwoStepMetrics;
import io.twostep.keycloak.policy.SecondFactors;
import io.twostep.keycloak.policy.TwoStepSettings;
import io.twostep.keycloak.provider.PolicyStepAuthenticator;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.events.Errors;
import org.keycloak.models.UserModel;
import org.keycloak.representations.idm.OAuth2ErrorRepresentation;

/**
 * The direct-grant guard: neither an SMS code nor an enrolment can happen in a password grant, so a user whose
 * second factor is SMS alone, or who has none while the realm's two-step toggle is on, is refused with
 * {@code invalid_grant}. Users with an authenticator app pass on to the flow's own OTP check ({@code totp}
 * parameter). Without it, a password alone would get tokens (docs/security.md S07, S16).
 */
final class DirectGrantGuardAuthenticator extends PolicyStepAuthenticator {

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        UserModel user = context.getUser();
        SecondFactors factors = SecondFactors.of(user);
        boolean needsSecondStep = factors.sms()
                || TwoStepSettings.of(context.getSession(), context.getRealm()).required();
        if (factors.app() || !needsSecondStep) {
            context.success();
            return;
        }
        TwoStepMetrics.policy(context.getAuthenticationSession(), context.getRealm().getName(),
                TwoStepMetrics.PolicyOutcome.REFUSED_DIRECT_GRANT);
        context.getEvent().user(user).detail(TwoStepEvents.EVENT, TwoStepEvents.DIRECT_GRANT_REFUSED)
                .error(Errors.INVALID_USER_CREDENTIALS);
        Response error = Response.status(Response.Status.BAD_REQUEST)
                .entity(new OAuth2ErrorRepresentation("invalid_grant",
                        "This account's second step cannot be completed with a password grant; use the browser login"))
                .type(MediaType.APPLICATION_JSON_TYPE).build();
        context.failure(AuthenticationFlowError.INVALID_CREDENTIALS, error);
    }
}
