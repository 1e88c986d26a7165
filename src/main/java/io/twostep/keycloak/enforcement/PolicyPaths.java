package io.twostep.keycloak.enforcement;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.policy.TwoStepSettings;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.AuthenticationFlowModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionProviderModel;
import org.keycloak.models.UserModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The one notion of "this way into the realm enforces the two-step policy", shared by the readiness report, the
 * switch (which refuses to go on while a way in does not enforce it) and the set-up (which wires what is missing).
 * <p>
 * Flows are read with the requirement semantics Keycloak applies when it runs them: DISABLED executions do not run;
 * conditional authenticators are conditions, not steps; in a flow that has REQUIRED or CONDITIONAL executions, its
 * ALTERNATIVE ones are ignored; a flow of ALTERNATIVE executions succeeds with the first that succeeds, so each of
 * them must lead through the policy; a CONDITIONAL sub-flow runs only when all its conditions hold, so it counts
 * only when its conditions hold whenever the policy is on ({@code conditional-two-step}; Keycloak's
 * {@code conditional-credential}, which skips after a passkey; the remembered-device condition).
 * <p>
 * A way in enforces the policy when:
 * <ul>
 *     <li>browser, reset credentials, a post login flow: every login passes a REQUIRED {@code two-step-enrolment}
 *     and an OTP Form or SMS OTP Form that can run;</li>
 *     <li>direct grant: every grant passes a REQUIRED {@code sms-otp-direct-grant-guard}, and the OTP check
 *     ({@code direct-grant-validate-otp}) can run for users with an authenticator app;</li>
 *     <li>registration: every registration passes a REQUIRED {@code two-step-enrolment};</li>
 *     <li>an identity provider: it has a post login flow that enforces the policy as above.</li>
 * </ul>
 * The login-time safety net ({@link TwoStepLoginCheck}) and the set-up actions the method needs must be enabled.
 */
public final class PolicyPaths {

    /** Authenticators that continue a session or hand the login to an identity provider (checked on their own). */
    private static final Set<String> NEUTRAL = Set.of("auth-cookie", "identity-provider-redirector", "organization");
    /** Conditions that hold whenever the policy is on, or that skip only for a passkey or a remembered device. */
    private static final Set<String> POLICY_CONDITIONS = Set.of(TwoStepIds.CONDITIONAL_TWO_STEP,
            "conditional-credential", TwoStepIds.TRUSTED_DEVICE_CONDITION);
    /** The second steps the policy accepts in a browser login. */
    public static final Set<String> SECOND_STEPS = Set.of("auth-otp-form", TwoStepIds.SMS_OTP_FORM);
    /** Keycloak's OTP check of the direct grant. */
    public static final String DIRECT_GRANT_OTP = "direct-grant-validate-otp";

    /**
     * One way into the realm.
     *
     * @param kind    {@code browser}, {@code directGrant}, {@code registration}, {@code resetCredentials},
     *                {@code clientOverride}, {@code identityProvider}, {@code safetyNet}, {@code enrolmentAction} or
     *                {@code other}
     * @param name    what it is: the binding, a client id, an identity provider alias or a required action
     * @param alias   the flow's alias, or {@code null}
     * @param inUse   whether users can come in this way at all (registration and reset only when the realm allows them)
     * @param enforces whether it enforces the policy
     * @param reasons why not, one sentence each, naming the flow
     * @param blocking whether a gap here keeps the policy from being switched on (false for paths only reported)
     */
    public record Path(String kind, String name, String alias, boolean inUse, boolean enforces, List<String> reasons,
                       boolean blocking) {

        /** @return the JSON shape of the readiness report */
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("kind", kind);
            json.put("name", name);
            json.put("alias", alias);
            json.put("inUse", inUse);
            json.put("enforcesPolicy", enforces);
            json.put("reasons", reasons);
            return json;
        }

        /** @return whether this path lets a login through without the policy, and matters for switching on */
        public boolean gap() {
            return blocking && inUse && !enforces;
        }
    }

    private final KeycloakSession session;
    private final RealmModel realm;

    private PolicyPaths(KeycloakSession session, RealmModel realm) {
        this.session = session;
        this.realm = realm;
    }

    /**
     * @param method the policy's method, which decides the set-up actions that must be enabled
     * @return every way into the realm with its verdict, in report order
     */
    public static List<Path> of(KeycloakSession session, RealmModel realm, TwoStepSettings.Method method) {
        PolicyPaths paths = new PolicyPaths(session, realm);
        List<Path> all = new ArrayList<>();
        all.add(paths.browserLike("browser", "browser", realm.getBrowserFlow(), true));
        // The realm's direct grant flow matters while a client may use it: direct access grants on, no override.
        boolean grants = realm.getClientsStream().anyMatch(c -> c.isEnabled() && c.isDirectAccessGrantsEnabled()
                && c.getAuthenticationFlowBindingOverride("direct_grant") == null);
        all.add(inUse(paths.directGrant("directGrant", "direct grant", realm.getDirectGrantFlow()), grants));
        all.add(paths.registration(realm.getRegistrationFlow(), realm.isRegistrationAllowed()));
        all.add(paths.browserLike("resetCredentials", "reset credentials", realm.getResetCredentialsFlow(),
                realm.isResetPasswordAllowed()));
        realm.getClientsStream().forEach(client -> client.getAuthenticationFlowBindingOverrides()
                .forEach((binding, flowId) -> {
                    AuthenticationFlowModel flow = realm.getAuthenticationFlowById(flowId);
                    if ("browser".equals(binding)) {
                        all.add(paths.rename(paths.browserLike("clientOverride", client.getClientId(), flow, true),
                                "browser"));
                    } else if ("direct_grant".equals(binding)) {
                        all.add(paths.rename(inUse(paths.directGrant("clientOverride", client.getClientId(), flow),
                                client.isEnabled() && client.isDirectAccessGrantsEnabled()),
                                "direct_grant"));
                    }
                }));
        session.identityProviders().getAllStream().forEach(idp -> all.add(paths.identityProvider(idp)));
        all.add(paths.requiredAction("safetyNet", TwoStepIds.TWO_STEP_LOGIN_CHECK,
                TwoStepLoginCheckRequiredActionFactory.DISPLAY_NAME,
                "it refuses logins that passed no second step whatever the flows look like"));
        if (method != TwoStepSettings.Method.SMS) {
            all.add(paths.requiredAction("enrolmentAction", UserModel.RequiredAction.CONFIGURE_TOTP.name(),
                    "Configure OTP", "users without a second factor set up their authenticator app there"));
        }
        if (method != TwoStepSettings.Method.OTP) {
            all.add(paths.requiredAction("enrolmentAction", TwoStepIds.CONFIGURE_SMS_OTP, "Set up SMS code",
                    "users without a second factor set up their SMS number there"));
        }
        paths.otherPaths(all);
        return all;
    }

    /** @return the per-flow checks, for the set-up */
    static PolicyPaths check(KeycloakSession session, RealmModel realm) {
        return new PolicyPaths(session, realm);
    }

    /**
     * @param flow          a flow, or {@code null}
     * @param authenticator an authenticator's provider id
     * @return whether an effective execution of it can run in the flow (Keycloak's requirement semantics)
     */
    public boolean canRun(AuthenticationFlowModel flow, String authenticator) {
        return flow != null && anyRuns(flow.getId(), Set.of(authenticator), 0);
    }

    /** @return whether the direct grant flow's OTP check can run for users with an authenticator app */
    boolean directGrantOtpRuns(AuthenticationFlowModel flow) {
        return anyRuns(flow.getId(), Set.of(DIRECT_GRANT_OTP), 0);
    }

    /**
     * The executions of a flow. Within the transaction that removed an execution, Keycloak's JPA store still lists it
     * in its flow (the removal does not touch the flow's collection), so those are left out here: the set-up and
     * the switch judge flows changed earlier in the same request.
     *
     * @return the flow's executions in priority order, without any removed in this transaction
     */
    public static Stream<AuthenticationExecutionModel> executions(RealmModel realm, String flowId) {
        return realm.getAuthenticationExecutionsStream(flowId)
                .filter(e -> e.getId() == null || realm.getAuthenticationExecutionById(e.getId()) != null);
    }

    /** @return the blocking gaps of {@code paths}, one sentence each */
    public static List<String> gaps(List<Path> paths) {
        List<String> gaps = new ArrayList<>();
        paths.stream().filter(Path::gap).forEach(p -> gaps.addAll(p.reasons()));
        return gaps;
    }

    private static Path inUse(Path path, boolean inUse) {
        return new Path(path.kind(), path.name(), path.alias(), inUse, path.enforces(), path.reasons(),
                path.blocking());
    }

    /** Keeps the binding's name in the reasons of a client override ("client demo-app, browser binding: …"). */
    private Path rename(Path path, String binding) {
        List<String> reasons = path.reasons().stream()
                .map(r -> "client '" + path.name() + "' overrides the " + binding + " flow: " + r).toList();
        return new Path(path.kind(), path.name() + "/" + binding, path.alias(), path.inUse(), path.enforces(),
                reasons, true);
    }

    /** The browser flow, the reset-credentials flow, a client's browser override or a post login flow. */
    Path browserLike(String kind, String name, AuthenticationFlowModel flow, boolean inUse) {
        List<String> reasons = new ArrayList<>();
        if (flow == null) {
            reasons.add("no " + name + " flow is bound");
        } else {
            requireStep(flow, TwoStepIds.TWO_STEP_ENROLMENT, "Two-step enrolment", reasons);
            if (!anyRuns(flow.getId(), SECOND_STEPS, 0)) {
                reasons.add("flow '" + flow.getAlias() + "' has no OTP Form or SMS OTP Form that can run");
            }
        }
        return new Path(kind, name, flow == null ? null : flow.getAlias(), inUse, reasons.isEmpty(), reasons, true);
    }

    Path directGrant(String kind, String name, AuthenticationFlowModel flow) {
        List<String> reasons = new ArrayList<>();
        if (flow == null) {
            reasons.add("no direct grant flow is bound");
        } else {
            requireStep(flow, TwoStepIds.DIRECT_GRANT_GUARD, "Two-step guard (direct grant)", reasons);
            if (!anyRuns(flow.getId(), Set.of(DIRECT_GRANT_OTP), 0)) {
                reasons.add("flow '" + flow.getAlias() + "' has no OTP check (" + DIRECT_GRANT_OTP
                        + ") that can run: users with an authenticator app would get tokens with the password alone");
            }
        }
        return new Path(kind, name, flow == null ? null : flow.getAlias(), true, reasons.isEmpty(), reasons, true);
    }

    private Path registration(AuthenticationFlowModel flow, boolean inUse) {
        List<String> reasons = new ArrayList<>();
        if (flow == null) {
            reasons.add("no registration flow is bound");
        } else {
            requireStep(flow, TwoStepIds.TWO_STEP_ENROLMENT, "Two-step enrolment", reasons);
        }
        return new Path("registration", "registration", flow == null ? null : flow.getAlias(), inUse,
                reasons.isEmpty(), reasons, true);
    }

    private Path identityProvider(IdentityProviderModel idp) {
        String flowId = idp.getPostBrokerLoginFlowId();
        AuthenticationFlowModel flow = flowId == null || flowId.isBlank() ? null
                : realm.getAuthenticationFlowById(flowId);
        if (flow == null) {
            return new Path("identityProvider", idp.getAlias(), null, idp.isEnabled(), false,
                    List.of("identity provider '" + idp.getAlias() + "' has no post login flow: its logins skip the "
                            + "second step"), true);
        }
        Path check = browserLike("identityProvider", idp.getAlias(), flow, idp.isEnabled());
        return new Path(check.kind(), check.name(), check.alias(), check.inUse(), check.enforces(),
                check.reasons().stream().map(r -> "identity provider '" + idp.getAlias() + "': " + r).toList(), true);
    }

    private Path requiredAction(String kind, String providerId, String displayName, String why) {
        RequiredActionProviderModel action = realm.getRequiredActionProvidersStream()
                .filter(a -> providerId.equals(a.getProviderId())).findFirst().orElse(null);
        List<String> reasons = new ArrayList<>();
        if (action == null) {
            reasons.add("required action '" + displayName + "' (" + providerId + ") is not registered; " + why);
        } else if (!action.isEnabled()) {
            reasons.add("required action '" + displayName + "' (" + providerId + ") is disabled; " + why);
        }
        return new Path(kind, providerId, null, true, reasons.isEmpty(), reasons, true);
    }

    /**
     * Ways in that run no flow of the realm's bindings: reported, not blocking, because the safety net refuses what
     * they cannot ask (SAML ECP is a passive login, which fails on a required action; a Docker login cannot show
     * one) or because the login is decided outside Keycloak (CIBA's authentication device).
     */
    private void otherPaths(List<Path> all) {
        realm.getClientsStream().filter(ClientModel::isEnabled).forEach(client -> {
            if ("true".equals(client.getAttribute("saml.allow.ecp.flow"))) {
                all.add(new Path("other", client.getClientId() + "/saml-ecp", "saml ecp", true, false,
                        List.of("client '" + client.getClientId() + "' allows SAML ECP logins (HTTP Basic, password "
                                + "only); the safety net refuses them while the policy is on"), false));
            }
            if ("docker-v2".equals(client.getProtocol())) {
                all.add(new Path("other", client.getClientId() + "/docker", "docker auth", true, false,
                        List.of("client '" + client.getClientId() + "' is a Docker registry, whose logins use the "
                                + "docker auth flow (HTTP Basic, password only); the safety net refuses them while "
                                + "the policy is on"), false));
            }
            if ("true".equals(client.getAttribute("oidc.ciba.grant.enabled"))) {
                all.add(new Path("other", client.getClientId() + "/ciba", null, true, false,
                        List.of("client '" + client.getClientId() + "' allows CIBA logins, which the "
                                + "authentication device decides without any flow of this realm"), false));
            }
        });
    }

    /** Adds a reason unless every run of {@code flow} passes an effective execution of {@code step}. */
    private void requireStep(AuthenticationFlowModel flow, String step, String displayName, List<String> reasons) {
        List<String> bypasses = new ArrayList<>();
        if (!guarantees(flow.getId(), step, bypasses, 0)) {
            if (bypasses.isEmpty()) {
                reasons.add("flow '" + flow.getAlias() + "' does not make '" + displayName + "' (" + step
                        + ") a REQUIRED step that every login passes (missing, disabled, alternative, or in a "
                        + "sub-flow that can be skipped)");
            } else {
                bypasses.forEach(b -> reasons.add("flow '" + flow.getAlias() + "': " + b + " lets a login through "
                        + "without '" + displayName + "'"));
            }
        }
    }

    /**
     * @return whether every successful run of the flow passes an execution of {@code step}; alternatives that
     * succeed without it are described in {@code bypasses}
     */
    private boolean guarantees(String flowId, String step, List<String> bypasses, int depth) {
        if (depth > 15) {
            return false;
        }
        List<AuthenticationExecutionModel> steps = steps(flowId);
        boolean hasRequired = steps.stream().anyMatch(e -> e.isRequired() || e.isConditional());
        if (hasRequired) {
            for (AuthenticationExecutionModel e : steps) {
                if (e.isRequired() && reaches(e, step, bypasses, depth)) {
                    return true;
                }
                if (e.isConditional() && e.isAuthenticatorFlow() && conditionsHoldUnderPolicy(e.getFlowId())
                        && guarantees(e.getFlowId(), step, bypasses, depth + 1)) {
                    return true;
                }
            }
            return false;
        }
        List<AuthenticationExecutionModel> alternatives = steps.stream()
                .filter(AuthenticationExecutionModel::isAlternative).toList();
        boolean reached = false;
        boolean bypassed = false;
        for (AuthenticationExecutionModel e : alternatives) {
            List<String> inner = new ArrayList<>();
            if (reaches(e, step, inner, depth)) {
                reached = true;
            } else if (!neutral(e, 0)) {
                bypassed = true;
                bypasses.add(describe(e));
            }
            bypasses.addAll(inner);
        }
        return reached && !bypassed;
    }

    private boolean reaches(AuthenticationExecutionModel e, String step, List<String> bypasses, int depth) {
        return e.isAuthenticatorFlow() ? guarantees(e.getFlowId(), step, bypasses, depth + 1)
                : step.equals(e.getAuthenticator());
    }

    /** @return whether an effective execution of one of {@code ids} can run in the flow */
    private boolean anyRuns(String flowId, Set<String> ids, int depth) {
        if (depth > 15) {
            return false;
        }
        List<AuthenticationExecutionModel> steps = steps(flowId);
        boolean hasRequired = steps.stream().anyMatch(e -> e.isRequired() || e.isConditional());
        for (AuthenticationExecutionModel e : steps) {
            if (hasRequired && e.isAlternative()) {
                continue; // Keycloak ignores it
            }
            if (e.isAuthenticatorFlow() ? anyRuns(e.getFlowId(), ids, depth + 1) : ids.contains(e.getAuthenticator())) {
                return true;
            }
        }
        return false;
    }

    /** All conditions of a CONDITIONAL sub-flow hold whenever the policy is on (or skip for a reason accepted). */
    private boolean conditionsHoldUnderPolicy(String flowId) {
        return PolicyPaths.executions(realm, flowId)
                .filter(e -> !e.isDisabled() && !e.isAuthenticatorFlow() && isCondition(e.getAuthenticator()))
                .allMatch(e -> POLICY_CONDITIONS.contains(e.getAuthenticator()));
    }

    /** A cookie, identity-provider hand-over or organisation step, or a sub-flow made only of such steps. */
    private boolean neutral(AuthenticationExecutionModel e, int depth) {
        if (!e.isAuthenticatorFlow()) {
            return NEUTRAL.contains(e.getAuthenticator());
        }
        return depth < 15 && PolicyPaths.executions(realm, e.getFlowId())
                .filter(x -> !x.isDisabled())
                .allMatch(x -> x.isAuthenticatorFlow() ? neutral(x, depth + 1)
                        : NEUTRAL.contains(x.getAuthenticator()) || isCondition(x.getAuthenticator()));
    }

    private String describe(AuthenticationExecutionModel e) {
        if (e.isAuthenticatorFlow()) {
            AuthenticationFlowModel sub = realm.getAuthenticationFlowById(e.getFlowId());
            return "the alternative sub-flow '" + (sub == null ? e.getFlowId() : sub.getAlias()) + "'";
        }
        return "the alternative step '" + e.getAuthenticator() + "'";
    }

    /** The executions Keycloak runs as steps: enabled ones that are not conditions. */
    private List<AuthenticationExecutionModel> steps(String flowId) {
        return PolicyPaths.executions(realm, flowId)
                .filter(e -> !e.isDisabled())
                .filter(e -> e.isAuthenticatorFlow() || !isCondition(e.getAuthenticator()))
                .toList();
    }

    private boolean isCondition(String authenticator) {
        return authenticator != null && session.getKeycloakSessionFactory()
                .getProviderFactory(Authenticator.class, authenticator) instanceof ConditionalAuthenticatorFactory;
    }
}
