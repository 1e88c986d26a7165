package io.twostep.keycloak.recovery;

import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.authenticators.browser.RecoveryAuthnCodesFormAuthenticatorFactory;
import org.keycloak.models.KeycloakSession;

/**
 * Keycloak's recovery-code form ({@code auth-recovery-authn-code-form}, "Recovery Authentication Code Form"), with
 * what this extension adds. It has Keycloak's provider id and extends its factory, so it takes its place (see
 * {@link io.twostep.keycloak.factorchange.GuardedRequiredActions} for the rule); page, brute-force handling and
 * the spending of the code stay Keycloak's.
 * <ul>
 *     <li>With {@code twoStep.recoveryCodes=off} the form is not offered (not even under <em>Try another way</em>)
 *     and a code is not accepted.</li>
 *     <li>A spent code is an event ({@code CUSTOM_REQUIRED_ACTION}, {@code two_step_event=recovery_code_used},
 *     {@code remaining}), which the security notice turns into an e-mail.</li>
 *     <li>The user who came in with a code sets up a second step again in this login (the SMS page, which offers
 *     the app, or the app's set-up when the policy asks for the app), and then gets fresh codes; once the new step
 *     is set up, the apps and the number from before are removed ({@link RecoveryCodesChainFactory}). A login made
 *     to change the number or set up the app ({@code kc_action}) is itself the new set-up, and keeps the other
 *     factor.</li>
 * </ul>
 */
public final class RecoveryCodeFormFactory extends RecoveryAuthnCodesFormAuthenticatorFactory {

    /** @return the form ({@link RecoveryCodeForm}), Keycloak's with this extension's additions */
    @Override
    public Authenticator create(KeycloakSession session) {
        return new RecoveryCodeForm(session);
    }

    @Override
    public String getHelpText() {
        return "Validates a recovery code (two-step login: a spent code leads to setting up the second step again, "
                + "then fresh codes)";
    }
}
