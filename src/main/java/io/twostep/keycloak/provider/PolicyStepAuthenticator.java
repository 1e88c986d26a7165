package io.twostep.keycloak.provider;

import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.Authenticator;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/**
 * An authenticator that decides about the user the first step identified, whatever they have set up: the policy's
 * condition, enrolment and guard, and the remembered-device condition and offer. It needs a user, runs for every
 * user, schedules its own required actions where it needs them, and has nothing to close. A step without a page of
 * its own (a condition, the direct-grant guard) never gets a form back, so {@link #action} does nothing unless a
 * subclass shows a page.
 */
public abstract class PolicyStepAuthenticator implements Authenticator {

    /** @return {@code true}: the step decides about a known user */
    @Override
    public boolean requiresUser() {
        return true;
    }

    /** @return {@code true}: the step runs for every user */
    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return true;
    }

    /** Nothing: the step adds the required actions it needs to the login itself. */
    @Override
    public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
    }

    /** Nothing: a step without a page of its own gets no form back. */
    @Override
    public void action(AuthenticationFlowContext context) {
    }

    /** Nothing to release. */
    @Override
    public void close() {
    }
}
