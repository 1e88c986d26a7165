package io.twostep.keycloak.recovery;

import io.twostep.keycloak.factorchange.GuardedRequiredActions;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.authentication.requiredactions.RecoveryAuthnCodesAction;
import org.keycloak.models.KeycloakSession;

/**
 * {@code CONFIGURE_RECOVERY_AUTHN_CODES}, Keycloak's recovery-code set-up, behind the factor-change guard
 * ({@link GuardedRequiredActions#guarded}), and with a trigger: with {@code twoStep.recoveryCodes=required}, a
 * login that proved a second step, by a user who has an app or an SMS number but no recovery codes, sets them up
 * before it completes. It has Keycloak's provider id and extends its factory, so it takes its place; page,
 * configuration and feature switch stay Keycloak's.
 */
public final class RecoveryCodesActionFactory extends RecoveryAuthnCodesAction {

    /** @return Keycloak's action with the trigger ({@link RecoveryCodesAction}), behind the factor-change guard */
    @Override
    public RequiredActionProvider create(KeycloakSession session) {
        return GuardedRequiredActions.guarded(new RecoveryCodesAction(super.create(session)));
    }
}
