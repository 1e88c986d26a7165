package io.twostep.keycloak.enforcement;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.policy.TwoStepSettings;
import org.jboss.logging.Logger;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.AuthenticationExecutionModel.Requirement;
import org.keycloak.models.AuthenticationFlowModel;
import org.keycloak.models.Constants;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.ModelException;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionConfigModel;
import org.keycloak.models.RequiredActionProviderModel;
import org.keycloak.models.UserModel;
import org.keycloak.representations.userprofile.config.UPAttribute;
import org.keycloak.representations.userprofile.config.UPAttributePermissions;
import org.keycloak.representations.userprofile.config.UPConfig;
import org.keycloak.services.resources.admin.AuthenticationManagementResource;
import org.keycloak.userprofile.UserProfileProvider;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The realm set-up in one action ({@code POST /admin/realms/{realm}/two-step/setup}, the tab's "Set up the realm"
 * switch, the import option {@value #IMPORT_ATTRIBUTE}): wires everything the policy needs and changes nothing that
 * is already wired, as {@link PolicyPaths} judges it, so running it twice (or on a realm set up by hand like the
 * demo realm) changes nothing.
 * <ul>
 *     <li>user profile: {@code phoneNumber} (admins edit, users view) and {@code phoneNumberVerified} (admins
 *     only);</li>
 *     <li>required actions: Set up SMS code, Forget remembered devices, the Two-step login check and Keycloak's
 *     Configure OTP and Recovery Authentication Codes registered and enabled; Configure OTP, Webauthn Register
 *     (passwordless too) and Delete Credential with a maximum authentication age of 0;</li>
 *     <li>browser: a copy of the bound browser flow, named {@code "<alias> two-step"}, with the policy's steps put
 *     into its conditional 2FA sub-flow (or after the password step when it has none), bound in its place; the
 *     operator's other steps and first-factor forms stay as they are;</li>
 *     <li>direct grant, reset credentials, registration: likewise a copy of the bound flow with the guard after the
 *     password, the second step before the new password, the enrolment after the registration form;</li>
 *     <li>identity providers without a post login flow get {@value #POST_BROKER_FLOW} (created if missing);</li>
 *     <li>Keycloak's recovery-code form an ALTERNATIVE beside the second steps in the browser, reset credentials
 *     and post login flows, so that a user who lost the phone can sign in with a recovery code.</li>
 * </ul>
 * A flow too unusual to change safely (no single password step, a 2FA sub-flow with conditions the policy cannot
 * vouch for, a post login flow alias taken by a flow that does not enforce the policy) is a refusal that names the
 * flow and what to do by hand; with any refusal, nothing is changed. A client's flow override or an identity
 * provider's own post login flow that does not enforce the policy is left to the operator and listed under
 * {@code manual}.
 */
public final class TwoStepSetup {

    private static final Logger LOG = Logger.getLogger(TwoStepSetup.class);

    /** Realm attribute of an import: {@code true} runs the set-up right after the realm is created. */
    public static final String IMPORT_ATTRIBUTE = TwoStepSettings.PREFIX + "setUpOnImport";
    /** The post login flow given to identity providers that have none. */
    public static final String POST_BROKER_FLOW = "two-step post broker login";

    private static final String USER_CONFIGURED = "conditional-user-configured";
    private static final String CREDENTIAL_CONDITION = "conditional-credential";
    private static final String PASSWORD_FORMS_USERNAME = "auth-username-password-form";
    private static final String PASSWORD_FORM = "auth-password-form";
    private static final String OTP_FORM = "auth-otp-form";
    private static final Set<String> MAX_AUTH_AGE_ZERO = new LinkedHashSet<>(List.of(
            UserModel.RequiredAction.CONFIGURE_TOTP.name(), "webauthn-register", "webauthn-register-passwordless",
            "delete_credential"));

    /** One change the set-up makes (or would make, in a dry run). */
    public record Change(String piece, String description) {
    }

    /** A piece the set-up will not change, and what to do by hand. */
    public record Refusal(String piece, String flow, String message) {
    }

    /**
     * What the set-up does, did, or refuses.
     *
     * @param changes   the changes, in order
     * @param refusals  flows too unusual to change; when any, nothing was changed
     * @param manual    what stays for the operator (client overrides, identity providers' own post login flows)
     * @param applied   whether the changes were made
     */
    public record Result(List<Change> changes, List<Refusal> refusals, List<String> manual, boolean applied) {

        /** @return the JSON shape of the REST API */
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("applied", applied);
            json.put("changes", changes.stream().map(c -> Map.of("piece", c.piece(), "change", c.description()))
                    .toList());
            json.put("refusals", refusals.stream().map(r -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("piece", r.piece());
                m.put("flow", r.flow());
                m.put("message", r.message());
                return m;
            }).toList());
            json.put("manual", manual);
            return json;
        }

        /** @return one message naming every refused flow, for an error response */
        public String refusalMessage() {
            StringBuilder text = new StringBuilder("The set-up changed nothing: ");
            refusals.forEach(r -> text.append(r.message()).append(' '));
            return text.toString().trim();
        }
    }

    private final KeycloakSession session;
    private final RealmModel realm;
    private final boolean apply;
    private final List<Change> changes = new ArrayList<>();
    private final List<Refusal> refusals = new ArrayList<>();
    private final List<String> manual = new ArrayList<>();

    private TwoStepSetup(KeycloakSession session, RealmModel realm, boolean apply) {
        this.session = session;
        this.realm = realm;
        this.apply = apply;
    }

    /**
     * @param dryRun {@code true}: only lists what would change
     * @return what changed (or would change), what is refused, what is left to the operator; with a refusal,
     * nothing is changed even without {@code dryRun}
     */
    public static Result run(KeycloakSession session, RealmModel realm, boolean dryRun) {
        RealmModel contextRealm = session.getContext().getRealm();
        session.getContext().setRealm(realm); // the user profile provider works on the context's realm
        try {
            TwoStepSetup plan = new TwoStepSetup(session, realm, false);
            plan.all();
            if (dryRun || !plan.refusals.isEmpty() || plan.changes.isEmpty()) {
                return new Result(plan.changes, plan.refusals, plan.manual, false);
            }
            TwoStepSetup doing = new TwoStepSetup(session, realm, true);
            doing.all();
            return new Result(doing.changes, doing.refusals, doing.manual, true);
        } finally {
            session.getContext().setRealm(contextRealm);
        }
    }

    /**
     * A realm was just created (admin console, REST or import): the safety net is registered (a realm created
     * without it would not run it), the set-up runs when the import asks for it with {@value #IMPORT_ATTRIBUTE}, and
     * a realm whose import switches the policy on while a way in does not enforce it is refused.
     *
     * @throws ModelException with a message naming the refused flows or the missing pieces; the realm is not created
     */
    public static void onRealmCreated(KeycloakSession session, RealmModel realm) {
        if (RequiredActions.find(realm, TwoStepIds.TWO_STEP_LOGIN_CHECK) == null) {
            RequiredActions.register(session, realm, TwoStepIds.TWO_STEP_LOGIN_CHECK);
        }
        String setUp = realm.getAttribute(IMPORT_ATTRIBUTE);
        if (setUp != null) {
            realm.removeAttribute(IMPORT_ATTRIBUTE);
            if (Boolean.parseBoolean(setUp.trim())) {
                Result result = run(session, realm, false);
                if (!result.refusals().isEmpty()) {
                    throw new ModelException(result.refusalMessage());
                }
            }
        }
        // Read afresh: the realm got its attributes in this request, after anything read before.
        TwoStepSettings imported = TwoStepSettings.fromAttributes(realm.getAttributes());
        imported.remember(session, realm);
        String refusal = SwitchGuard.refusal(session, realm, TwoStepSettings.DEFAULTS, imported);
        if (refusal != null) {
            throw new ModelException(refusal + " An import may ask for the set-up with the realm attribute "
                    + IMPORT_ATTRIBUTE + "=true.");
        }
    }

    /**
     * At server start: realms whose policy is on but that lack the safety net (set up by hand before it existed)
     * get it registered and enabled, so an upgrade does not leave a switched-on realm without it. A realm where an
     * admin registered it and disabled it is left alone (the readiness report names it). A failure is logged and
     * skips that realm; it never stops the server.
     */
    public static void registerSafetyNetWherePolicyIsOn(KeycloakSession session) {
        session.realms().getRealmsStream()
                .filter(realm -> TwoStepSettings.of(session, realm).required())
                .filter(realm -> RequiredActions.find(realm, TwoStepIds.TWO_STEP_LOGIN_CHECK) == null)
                .forEach(realm -> {
                    try {
                        RequiredActions.register(session, realm, TwoStepIds.TWO_STEP_LOGIN_CHECK);
                        LOG.infof("Registered the two-step safety net (%s) in realm %s, whose policy is on",
                                TwoStepIds.TWO_STEP_LOGIN_CHECK, realm.getName());
                    } catch (RuntimeException e) {
                        LOG.warnf("Could not register the two-step safety net in realm %s: %s", realm.getName(),
                                e.getMessage());
                    }
                });
    }

    private void all() {
        userProfile();
        requiredActions();
        if (!paths().browserLike("browser", "browser", realm.getBrowserFlow(), true).enforces()) {
            browser();
        } else {
            recoveryCodeForm("browser", realm.getBrowserFlow());
        }
        if (!paths().directGrant("directGrant", "direct grant", realm.getDirectGrantFlow()).enforces()) {
            directGrant();
        }
        if (!paths().browserLike("resetCredentials", "reset credentials", realm.getResetCredentialsFlow(), true)
                .enforces()) {
            resetCredentials();
        } else {
            recoveryCodeForm("resetCredentials", realm.getResetCredentialsFlow());
        }
        registration();
        identityProviders();
        PolicyPaths.of(session, realm, TwoStepSettings.Method.ANY).stream()
                .filter(p -> "clientOverride".equals(p.kind()) && !p.enforces())
                .forEach(p -> manual.addAll(p.reasons().stream()
                        .map(r -> r + ". Remove the override or add the two-step steps to that flow by hand.")
                        .toList()));
    }

    private PolicyPaths paths() {
        return PolicyPaths.check(session, realm);
    }

    private void change(String piece, String description, Runnable action) {
        changes.add(new Change(piece, description));
        if (apply) {
            action.run();
        }
    }

    private void refuse(String piece, AuthenticationFlowModel flow, String message) {
        refusals.add(new Refusal(piece, flow == null ? null : flow.getAlias(), message));
    }

    // ---- user profile

    private void userProfile() {
        UserProfileProvider provider = session.getProvider(UserProfileProvider.class);
        UPConfig config = provider.getConfiguration();
        boolean[] dirty = {false};
        UPAttribute phone = config.getAttribute(TwoStepIds.PHONE_NUMBER);
        if (phone == null) {
            change("userProfile", "add the attribute phoneNumber (admins edit, users view)", () -> {
                UPAttribute attribute = new UPAttribute(TwoStepIds.PHONE_NUMBER,
                        new UPAttributePermissions(Set.of("admin", "user"), Set.of("admin")));
                attribute.setDisplayName("${phoneNumber}");
                attribute.addValidation("length", Map.of("max", 32));
                attribute.setAnnotations(new HashMap<>(Map.of("inputType", "html5-tel")));
                config.addOrReplaceAttribute(attribute);
                dirty[0] = true;
            });
        } else if (!has(phone, "view", "admin") || !has(phone, "view", "user") || !has(phone, "edit", "admin")) {
            change("userProfile", "let admins edit and users view phoneNumber", () -> {
                UPAttributePermissions p = permissions(phone);
                p.getView().addAll(Set.of("admin", "user"));
                p.getEdit().add("admin");
                dirty[0] = true;
            });
        }
        UPAttribute verified = config.getAttribute(TwoStepIds.PHONE_NUMBER_VERIFIED);
        if (verified == null) {
            change("userProfile", "add the attribute phoneNumberVerified (admins only)", () -> {
                UPAttribute attribute = new UPAttribute(TwoStepIds.PHONE_NUMBER_VERIFIED,
                        new UPAttributePermissions(Set.of("admin"), Set.of("admin")));
                attribute.setDisplayName("Phone number verified");
                attribute.addValidation("options", Map.of("options", List.of("true", "false")));
                config.addOrReplaceAttribute(attribute);
                dirty[0] = true;
            });
        } else if (!has(verified, "edit", "admin") || has(verified, "edit", "user") || has(verified, "view", "user")) {
            change("userProfile", "make phoneNumberVerified admin-only (users must not set it)", () -> {
                verified.setPermissions(new UPAttributePermissions(Set.of("admin"), Set.of("admin")));
                dirty[0] = true;
            });
        }
        if (apply && dirty[0]) {
            provider.setConfiguration(config);
        }
    }

    private static boolean has(UPAttribute attribute, String what, String role) {
        UPAttributePermissions p = attribute.getPermissions();
        Set<String> roles = p == null ? null : "view".equals(what) ? p.getView() : p.getEdit();
        return roles != null && roles.contains(role);
    }

    private static UPAttributePermissions permissions(UPAttribute attribute) {
        UPAttributePermissions p = attribute.getPermissions() == null ? new UPAttributePermissions()
                : attribute.getPermissions();
        p.setView(p.getView() == null ? new LinkedHashSet<>() : new LinkedHashSet<>(p.getView()));
        p.setEdit(p.getEdit() == null ? new LinkedHashSet<>() : new LinkedHashSet<>(p.getEdit()));
        attribute.setPermissions(p);
        return p;
    }

    // ---- required actions

    private void requiredActions() {
        for (String id : List.of(TwoStepIds.CONFIGURE_SMS_OTP, TwoStepIds.FORGET_TRUSTED_DEVICES,
                TwoStepIds.TWO_STEP_LOGIN_CHECK, UserModel.RequiredAction.CONFIGURE_TOTP.name(),
                RecoveryCodesReadiness.ACTION)) {
            RequiredActionProviderModel action = RequiredActions.find(realm, id);
            if (action == null) {
                change("requiredActions", "register and enable the required action " + id,
                        () -> RequiredActions.register(session, realm, id));
            } else if (!action.isEnabled()) {
                change("requiredActions", "enable the required action " + id, () -> {
                    action.setEnabled(true);
                    realm.updateRequiredActionProvider(action);
                });
            }
        }
        for (String id : MAX_AUTH_AGE_ZERO) {
            RequiredActionProviderModel action = RequiredActions.find(realm, id);
            if (action == null && !UserModel.RequiredAction.CONFIGURE_TOTP.name().equals(id)) {
                continue; // not in this realm: nothing to protect
            }
            String alias = action == null ? id : action.getAlias();
            RequiredActionConfigModel config = realm.getRequiredActionConfigByAlias(alias);
            String age = config == null || config.getConfig() == null ? null
                    : config.getConfig().get(Constants.MAX_AUTH_AGE_KEY);
            if (!"0".equals(age)) {
                change("requiredActions", "set the maximum authentication age of " + id + " to 0 (a factor is set "
                        + "up or deleted only right after a login with the current one)", () -> {
                    RequiredActionConfigModel model = realm.getRequiredActionConfigByAlias(alias);
                    if (model == null) {
                        model = new RequiredActionConfigModel();
                        model.setAlias(alias);
                        model.setProviderId(id);
                    }
                    Map<String, String> values = model.getConfig() == null ? new HashMap<>()
                            : new HashMap<>(model.getConfig());
                    values.put(Constants.MAX_AUTH_AGE_KEY, "0");
                    model.setConfig(values);
                    realm.updateRequiredActionConfig(model);
                });
            }
        }
    }

    // ---- browser flow

    /** Where the policy block goes in a browser flow: the forms sub-flow and its conditional 2FA sub-flow, if any. */
    private record BrowserPlace(AuthenticationFlowModel forms, AuthenticationExecutionModel password,
                                AuthenticationExecutionModel twoFactor) {
    }

    private void browser() {
        AuthenticationFlowModel bound = realm.getBrowserFlow();
        if (bound == null) {
            refuse("browser", null, "The realm has no browser flow bound: bind one, then run the set-up again.");
            return;
        }
        BrowserPlace place = browserPlace(bound);
        if (place == null) {
            return;
        }
        String name = freeAlias(bound.getAlias() + " two-step");
        change("browser", "copy the browser flow '" + bound.getAlias() + "' to '" + name + "', add the two-step "
                + "steps " + (place.twoFactor() == null ? "after the password step" : "to its 2FA sub-flow")
                + ", and bind the copy as the browser flow", () -> {
            AuthenticationFlowModel copy = AuthenticationManagementResource.copyFlow(session, realm, bound, name);
            BrowserPlace target = browserPlace(copy);
            if (target.twoFactor() != null) {
                rewireTwoFactor(name, realm.getAuthenticationFlowById(target.twoFactor().getFlowId()));
            } else {
                AuthenticationFlowModel block = subFlow(freeAlias(name + " two-step"), "The realm's two-step policy");
                executionAfter(target.forms(), target.password(), flowExecution(block, Requirement.CONDITIONAL));
                addExecution(block, TwoStepIds.CONDITIONAL_TWO_STEP, Requirement.REQUIRED, 10);
                fillPolicyBlock(name, block, List.of(execution(OTP_FORM, Requirement.ALTERNATIVE)), 20, true);
            }
            realm.setBrowserFlow(copy);
        });
    }

    /**
     * Finds the one sub-flow with a REQUIRED password step and, in it, Keycloak's conditional 2FA sub-flow (a
     * CONDITIONAL sub-flow whose conditions are "user configured" and optionally "credential" and whose steps are
     * second-factor forms). Records a refusal and returns {@code null} when the flow is too unusual.
     */
    private BrowserPlace browserPlace(AuthenticationFlowModel top) {
        List<AuthenticationFlowModel> withPassword = new ArrayList<>();
        collectFlows(top, withPassword, 0);
        withPassword.removeIf(f -> passwordStep(f) == null);
        String manualHint = " Add by hand, after the password step, a CONDITIONAL sub-flow with 'Condition - two-step "
                + "policy', 'Two-step enrolment' (REQUIRED) and a CONDITIONAL sub-flow with 'Condition - user "
                + "configured', 'OTP Form' and 'SMS OTP Form' (ALTERNATIVE), as the README's Realm set-up shows.";
        if (withPassword.size() != 1) {
            refuse("browser", top, "The browser flow '" + top.getAlias() + "' has " + (withPassword.isEmpty()
                    ? "no sub-flow with a REQUIRED password step ('Username Password Form' or 'Password Form')"
                    : withPassword.size() + " sub-flows with a REQUIRED password step") + ", so the set-up cannot "
                    + "tell where the second step belongs." + manualHint);
            return null;
        }
        AuthenticationFlowModel forms = withPassword.get(0);
        List<AuthenticationExecutionModel> twoFactor = PolicyPaths.executions(realm, forms.getId())
                .filter(e -> e.isAuthenticatorFlow() && !e.isDisabled())
                .filter(e -> PolicyPaths.executions(realm, e.getFlowId())
                        .anyMatch(x -> USER_CONFIGURED.equals(x.getAuthenticator())
                                || OTP_FORM.equals(x.getAuthenticator())))
                .toList();
        if (twoFactor.size() > 1) {
            refuse("browser", top, "The browser flow '" + top.getAlias() + "' has several 2FA sub-flows in '"
                    + forms.getAlias() + "'." + manualHint);
            return null;
        }
        if (twoFactor.isEmpty()) {
            return new BrowserPlace(forms, passwordStep(forms), null);
        }
        AuthenticationExecutionModel sub = twoFactor.get(0);
        AuthenticationFlowModel subFlow = realm.getAuthenticationFlowById(sub.getFlowId());
        List<AuthenticationExecutionModel> inside = PolicyPaths.executions(realm, sub.getFlowId()).toList();
        boolean usual = sub.isConditional()
                && inside.stream().anyMatch(e -> USER_CONFIGURED.equals(e.getAuthenticator()) && !e.isDisabled())
                && inside.stream().noneMatch(AuthenticationExecutionModel::isAuthenticatorFlow)
                && inside.stream().filter(e -> !e.isDisabled() && isCondition(e.getAuthenticator()))
                .allMatch(e -> USER_CONFIGURED.equals(e.getAuthenticator())
                        || CREDENTIAL_CONDITION.equals(e.getAuthenticator()))
                && inside.stream().filter(e -> !isCondition(e.getAuthenticator()))
                .noneMatch(e -> e.isRequired() && !OTP_FORM.equals(e.getAuthenticator()));
        if (!usual) {
            refuse("browser", top, "The 2FA sub-flow '" + subFlow.getAlias() + "' of the browser flow '"
                    + top.getAlias() + "' is not Keycloak's usual shape (CONDITIONAL, with 'Condition - user "
                    + "configured', optionally 'Condition - credential', and second-factor forms only)." + manualHint);
            return null;
        }
        return new BrowserPlace(forms, passwordStep(forms), sub);
    }

    private void collectFlows(AuthenticationFlowModel flow, List<AuthenticationFlowModel> into, int depth) {
        if (depth > 15) {
            return;
        }
        into.add(flow);
        PolicyPaths.executions(realm, flow.getId())
                .filter(e -> e.isAuthenticatorFlow() && !e.isDisabled())
                .forEach(e -> {
                    AuthenticationFlowModel sub = realm.getAuthenticationFlowById(e.getFlowId());
                    if (sub != null) {
                        collectFlows(sub, into, depth + 1);
                    }
                });
    }

    /** @return the last REQUIRED password step directly in {@code flow}, or {@code null} */
    private AuthenticationExecutionModel passwordStep(AuthenticationFlowModel flow) {
        return PolicyPaths.executions(realm, flow.getId())
                .filter(e -> e.isRequired() && (PASSWORD_FORMS_USERNAME.equals(e.getAuthenticator())
                        || PASSWORD_FORM.equals(e.getAuthenticator())))
                .reduce((a, b) -> b).orElse(null);
    }

    /**
     * Turns Keycloak's conditional 2FA sub-flow into the policy block: its "user configured" condition becomes
     * "two-step policy" (its other conditions stay), then the enrolment step, a sub-flow holding "user configured",
     * "device not remembered" and the sub-flow's forms plus the SMS form, and the remember-this-device offer.
     */
    private void rewireTwoFactor(String name, AuthenticationFlowModel twoFactor) {
        List<AuthenticationExecutionModel> inside = PolicyPaths.executions(realm, twoFactor.getId())
                .sorted(Comparator.comparingInt(AuthenticationExecutionModel::getPriority)).toList();
        List<AuthenticationExecutionModel> forms = new ArrayList<>();
        int priority = 10;
        for (AuthenticationExecutionModel e : inside) {
            if (USER_CONFIGURED.equals(e.getAuthenticator())) {
                realm.removeAuthenticatorExecution(e);
                addExecution(twoFactor, TwoStepIds.CONDITIONAL_TWO_STEP, Requirement.REQUIRED, priority);
            } else if (isCondition(e.getAuthenticator())) {
                e.setPriority(priority);
                realm.updateAuthenticatorExecution(e);
            } else {
                realm.removeAuthenticatorExecution(e);
                forms.add(e);
                continue;
            }
            priority += 10;
        }
        fillPolicyBlock(name, twoFactor, forms, priority, true);
    }

    /**
     * Adds to {@code block}, from {@code priority} on: Two-step enrolment (REQUIRED), a CONDITIONAL sub-flow
     * "{@code <name> second factor}" with "user configured", (in a browser flow) "device not remembered", the given
     * forms (second-factor forms as ALTERNATIVE) and the SMS form after the OTP form, and (in a browser flow) the
     * remember-this-device offer.
     */
    private void fillPolicyBlock(String name, AuthenticationFlowModel block, List<AuthenticationExecutionModel> forms,
                                 int priority, boolean browser) {
        addExecution(block, TwoStepIds.TWO_STEP_ENROLMENT, Requirement.REQUIRED, priority);
        AuthenticationFlowModel second = subFlow(freeAlias(name + " second factor"), "The second step");
        AuthenticationExecutionModel secondExecution = flowExecution(second, Requirement.CONDITIONAL);
        secondExecution.setParentFlow(block.getId());
        secondExecution.setPriority(priority + 10);
        realm.addAuthenticatorExecution(secondExecution);
        if (browser) {
            addExecution(block, TwoStepIds.TRUSTED_DEVICE_OFFER, Requirement.REQUIRED, priority + 20);
        }
        addExecution(second, USER_CONFIGURED, Requirement.REQUIRED, 10);
        int p = 15;
        if (browser) {
            addExecution(second, TwoStepIds.TRUSTED_DEVICE_CONDITION, Requirement.REQUIRED, p);
        }
        boolean sms = forms.stream().anyMatch(f -> TwoStepIds.SMS_OTP_FORM.equals(f.getAuthenticator()));
        boolean otp = forms.stream().anyMatch(f -> OTP_FORM.equals(f.getAuthenticator()));
        List<AuthenticationExecutionModel> ordered = new ArrayList<>(forms);
        if (!sms) {
            int at = otp ? ordered.indexOf(ordered.stream().filter(f -> OTP_FORM.equals(f.getAuthenticator()))
                    .findFirst().orElseThrow()) + 1 : ordered.size();
            ordered.add(at, execution(TwoStepIds.SMS_OTP_FORM, Requirement.ALTERNATIVE));
        }
        if (ordered.stream().noneMatch(f -> RecoveryCodesReadiness.FORM.equals(f.getAuthenticator()))) {
            ordered.add(execution(RecoveryCodesReadiness.FORM, Requirement.ALTERNATIVE));
        }
        for (AuthenticationExecutionModel form : ordered) {
            p += p == 15 ? 5 : 10;
            AuthenticationExecutionModel copy = new AuthenticationExecutionModel();
            copy.setAuthenticator(form.getAuthenticator());
            copy.setAuthenticatorConfig(form.getAuthenticatorConfig());
            // Keycloak's own 2FA sub-flow carries the recovery-code form DISABLED: it becomes a way back in.
            copy.setRequirement(PolicyPaths.SECOND_STEPS.contains(form.getAuthenticator()) && !form.isDisabled()
                    || RecoveryCodesReadiness.FORM.equals(form.getAuthenticator())
                    ? Requirement.ALTERNATIVE : form.getRequirement());
            copy.setAuthenticatorFlow(false);
            copy.setParentFlow(second.getId());
            copy.setPriority(p);
            realm.addAuthenticatorExecution(copy);
        }
    }

    /**
     * In a flow that already enforces the policy (set up earlier, or by hand), makes Keycloak's recovery-code form
     * an ALTERNATIVE beside the second steps, so that <em>Try another way</em> offers it: it turns a DISABLED one
     * on, or adds one after the others. The place is the one sub-flow whose ALTERNATIVE steps include the OTP Form
     * or the SMS OTP Form; a flow with none or several is left to the operator ({@code manual}).
     */
    private void recoveryCodeForm(String piece, AuthenticationFlowModel flow) {
        if (flow == null || paths().canRun(flow, RecoveryCodesReadiness.FORM)) {
            return;
        }
        List<AuthenticationFlowModel> all = new ArrayList<>();
        collectFlows(flow, all, 0);
        List<AuthenticationFlowModel> places = all.stream().filter(f -> PolicyPaths.executions(realm, f.getId())
                .anyMatch(e -> e.isAlternative() && e.getAuthenticator() != null
                        && PolicyPaths.SECOND_STEPS.contains(e.getAuthenticator())))
                .toList();
        if (places.size() != 1) {
            manual.add("flow '" + flow.getAlias() + "': add 'Recovery Authentication Code Form' ("
                    + RecoveryCodesReadiness.FORM + ") as ALTERNATIVE beside the OTP Form and SMS OTP Form, so "
                    + "that users who lost their phone can sign in with a recovery code.");
            return;
        }
        AuthenticationFlowModel place = places.get(0);
        AuthenticationExecutionModel disabled = PolicyPaths.executions(realm, place.getId())
                .filter(e -> RecoveryCodesReadiness.FORM.equals(e.getAuthenticator())).findFirst().orElse(null);
        change(piece, (disabled == null ? "add the recovery-code form to '" : "turn on the recovery-code form in '")
                + place.getAlias() + "' as an ALTERNATIVE second step", () -> {
            if (disabled != null) {
                disabled.setRequirement(Requirement.ALTERNATIVE);
                realm.updateAuthenticatorExecution(disabled);
            } else {
                int last = PolicyPaths.executions(realm, place.getId())
                        .mapToInt(AuthenticationExecutionModel::getPriority).max().orElse(0);
                addExecution(place, RecoveryCodesReadiness.FORM, Requirement.ALTERNATIVE, last + 10);
            }
        });
    }

    // ---- direct grant

    private void directGrant() {
        AuthenticationFlowModel bound = realm.getDirectGrantFlow();
        if (bound == null) {
            refuse("directGrant", null, "The realm has no direct grant flow bound: bind one, then run the set-up "
                    + "again.");
            return;
        }
        AuthenticationExecutionModel password = PolicyPaths.executions(realm, bound.getId())
                .filter(e -> e.isRequired() && "direct-grant-validate-password".equals(e.getAuthenticator()))
                .findFirst().orElse(null);
        boolean otpCheck = PolicyPaths.executions(realm, bound.getId()).anyMatch(e -> e.isAuthenticatorFlow()
                && PolicyPaths.executions(realm, e.getFlowId())
                .anyMatch(x -> PolicyPaths.DIRECT_GRANT_OTP.equals(x.getAuthenticator())));
        String hint = " Add by hand 'Two-step guard (direct grant)' as REQUIRED after the password and keep the "
                + "OTP check ('Direct Grant - Conditional OTP' with 'OTP'), or switch direct access grants off for "
                + "every client.";
        if (password == null) {
            refuse("directGrant", bound, "The direct grant flow '" + bound.getAlias() + "' has no REQUIRED 'Password' "
                    + "step at its top level." + hint);
            return;
        }
        if (!otpCheck || !PolicyPaths.check(session, realm).directGrantOtpRuns(bound)) {
            refuse("directGrant", bound, "The direct grant flow '" + bound.getAlias() + "' has no OTP check that "
                    + "can run, so users with an authenticator app would get tokens with the password alone." + hint);
            return;
        }
        String name = freeAlias(bound.getAlias() + " two-step");
        change("directGrant", "copy the direct grant flow '" + bound.getAlias() + "' to '" + name + "', add the "
                + "two-step guard after the password, and bind the copy as the direct grant flow", () -> {
            AuthenticationFlowModel copy = AuthenticationManagementResource.copyFlow(session, realm, bound, name);
            List<AuthenticationExecutionModel> guards = PolicyPaths.executions(realm, copy.getId())
                    .filter(e -> TwoStepIds.DIRECT_GRANT_GUARD.equals(e.getAuthenticator())).toList();
            guards.forEach(realm::removeAuthenticatorExecution);
            AuthenticationExecutionModel copiedPassword = PolicyPaths.executions(realm, copy.getId())
                    .filter(e -> e.isRequired() && "direct-grant-validate-password".equals(e.getAuthenticator()))
                    .findFirst().orElseThrow();
            executionAfter(copy, copiedPassword, execution(TwoStepIds.DIRECT_GRANT_GUARD, Requirement.REQUIRED));
            realm.setDirectGrantFlow(copy);
        });
    }

    // ---- reset credentials

    private void resetCredentials() {
        AuthenticationFlowModel bound = realm.getResetCredentialsFlow();
        AuthenticationExecutionModel reset = bound == null ? null : PolicyPaths.executions(realm, bound.getId())
                .filter(e -> e.isRequired() && "reset-password".equals(e.getAuthenticator())).findFirst().orElse(null);
        if (reset == null) {
            refuse("resetCredentials", bound, "The reset credentials flow " + (bound == null ? "is not bound"
                    : "'" + bound.getAlias() + "' has no REQUIRED 'Reset Password' step at its top level") + ". Add "
                    + "by hand, before the new password, a CONDITIONAL sub-flow with 'Condition - two-step policy', "
                    + "'Two-step enrolment' and the second step (README, Realm set-up).");
            return;
        }
        String name = freeAlias(bound.getAlias() + " two-step");
        change("resetCredentials", "copy the reset credentials flow '" + bound.getAlias() + "' to '" + name + "', "
                + "ask for the second step before the new password (instead of Keycloak's OTP reset), and bind the "
                + "copy", () -> {
            AuthenticationFlowModel copy = AuthenticationManagementResource.copyFlow(session, realm, bound, name);
            // Keycloak's "Reset - Conditional OTP" would let an e-mail link remove the authenticator app.
            PolicyPaths.executions(realm, copy.getId())
                    .filter(e -> e.isAuthenticatorFlow() && PolicyPaths.executions(realm, e.getFlowId())
                            .anyMatch(x -> "reset-otp".equals(x.getAuthenticator())))
                    .toList().forEach(e -> realm.removeAuthenticatorExecution(e));
            AuthenticationExecutionModel copiedReset = PolicyPaths.executions(realm, copy.getId())
                    .filter(e -> e.isRequired() && "reset-password".equals(e.getAuthenticator())).findFirst()
                    .orElseThrow();
            AuthenticationFlowModel block = subFlow(freeAlias(name + " 2FA"), "The realm's two-step policy");
            executionBefore(copy, copiedReset, flowExecution(block, Requirement.CONDITIONAL));
            addExecution(block, TwoStepIds.CONDITIONAL_TWO_STEP, Requirement.REQUIRED, 10);
            fillPolicyBlock(name, block, List.of(execution(OTP_FORM, Requirement.ALTERNATIVE)), 20, false);
            realm.setResetCredentialsFlow(copy);
        });
    }

    // ---- registration

    private void registration() {
        AuthenticationFlowModel bound = realm.getRegistrationFlow();
        PolicyPaths.Path check = PolicyPaths.of(session, realm, TwoStepSettings.Method.ANY).stream()
                .filter(p -> "registration".equals(p.kind())).findFirst().orElseThrow();
        if (check.enforces()) {
            return;
        }
        boolean hasRequired = bound != null && PolicyPaths.executions(realm, bound.getId())
                .anyMatch(AuthenticationExecutionModel::isRequired);
        if (!hasRequired) {
            refuse("registration", bound, "The registration flow " + (bound == null ? "is not bound"
                    : "'" + bound.getAlias() + "' has no REQUIRED step at its top level") + ". Add 'Two-step "
                    + "enrolment' as REQUIRED after the registration form by hand.");
            return;
        }
        String name = freeAlias(bound.getAlias() + " two-step");
        change("registration", "copy the registration flow '" + bound.getAlias() + "' to '" + name + "', add the "
                + "two-step enrolment after the registration form, and bind the copy", () -> {
            AuthenticationFlowModel copy = AuthenticationManagementResource.copyFlow(session, realm, bound, name);
            PolicyPaths.executions(realm, copy.getId())
                    .filter(e -> TwoStepIds.TWO_STEP_ENROLMENT.equals(e.getAuthenticator()))
                    .toList().forEach(realm::removeAuthenticatorExecution);
            int last = PolicyPaths.executions(realm, copy.getId())
                    .mapToInt(AuthenticationExecutionModel::getPriority).max().orElse(0);
            addExecution(copy, TwoStepIds.TWO_STEP_ENROLMENT, Requirement.REQUIRED, last + 10);
            realm.setRegistrationFlow(copy);
        });
    }

    // ---- identity providers

    private void identityProviders() {
        AuthenticationFlowModel postBroker = realm.getFlowByAlias(POST_BROKER_FLOW);
        if (postBroker != null && PolicyPaths.check(session, realm)
                .browserLike("identityProvider", POST_BROKER_FLOW, postBroker, true).enforces()) {
            recoveryCodeForm("identityProviders", postBroker);
        }
        List<IdentityProviderModel> without = new ArrayList<>();
        session.identityProviders().getAllStream().forEach(idp -> {
            String flowId = idp.getPostBrokerLoginFlowId();
            if (flowId == null || flowId.isBlank() || realm.getAuthenticationFlowById(flowId) == null) {
                without.add(idp);
            } else {
                PolicyPaths.Path check = PolicyPaths.check(session, realm).browserLike("identityProvider",
                        idp.getAlias(), realm.getAuthenticationFlowById(flowId), true);
                if (!check.enforces()) {
                    manual.add("identity provider '" + idp.getAlias() + "' has its own post login flow '"
                            + check.alias() + "', which does not enforce the policy: add 'Two-step enrolment' and the "
                            + "second step to it by hand, or clear it and run the set-up again.");
                }
            }
        });
        if (without.isEmpty()) {
            return;
        }
        AuthenticationFlowModel existing = realm.getFlowByAlias(POST_BROKER_FLOW);
        if (existing != null && !PolicyPaths.check(session, realm)
                .browserLike("identityProvider", POST_BROKER_FLOW, existing, true).enforces()) {
            refuse("identityProviders", existing, "The flow '" + POST_BROKER_FLOW + "' exists but does not enforce "
                    + "the policy: rename it, or add 'Two-step enrolment' and the second step to it by hand.");
            return;
        }
        if (existing == null) {
            change("identityProviders", "create the post login flow '" + POST_BROKER_FLOW + "'", () -> {
                AuthenticationFlowModel flow = new AuthenticationFlowModel();
                flow.setAlias(POST_BROKER_FLOW);
                flow.setDescription("Two-step enrolment and second step after an identity provider login");
                flow.setProviderId("basic-flow");
                flow.setTopLevel(true);
                flow.setBuiltIn(false);
                flow = realm.addAuthenticationFlow(flow);
                fillPolicyBlock(POST_BROKER_FLOW, flow, List.of(execution(OTP_FORM, Requirement.ALTERNATIVE)), 10,
                        false);
            });
        }
        for (IdentityProviderModel idp : without) {
            change("identityProviders", "set the post login flow of identity provider '" + idp.getAlias() + "' to '"
                    + POST_BROKER_FLOW + "'", () -> {
                idp.setPostBrokerLoginFlowId(realm.getFlowByAlias(POST_BROKER_FLOW).getId());
                session.identityProviders().update(idp);
            });
        }
    }

    // ---- flow building helpers

    private String freeAlias(String wanted) {
        String alias = wanted;
        for (int i = 2; aliasTaken(alias); i++) {
            alias = wanted + " " + i;
        }
        return alias;
    }

    /** A copy names its sub-flows "{@code <alias> <sub-flow>}", so a prefix in use counts as taken too. */
    private boolean aliasTaken(String alias) {
        return realm.getAuthenticationFlowsStream().anyMatch(f -> f.getAlias().equals(alias)
                || f.getAlias().startsWith(alias + " "));
    }

    private AuthenticationFlowModel subFlow(String alias, String description) {
        AuthenticationFlowModel flow = new AuthenticationFlowModel();
        flow.setAlias(alias);
        flow.setDescription(description);
        flow.setProviderId("basic-flow");
        flow.setTopLevel(false);
        flow.setBuiltIn(false);
        return realm.addAuthenticationFlow(flow);
    }

    private static AuthenticationExecutionModel execution(String authenticator, Requirement requirement) {
        AuthenticationExecutionModel e = new AuthenticationExecutionModel();
        e.setAuthenticator(authenticator);
        e.setRequirement(requirement);
        e.setAuthenticatorFlow(false);
        return e;
    }

    private static AuthenticationExecutionModel flowExecution(AuthenticationFlowModel flow, Requirement requirement) {
        AuthenticationExecutionModel e = new AuthenticationExecutionModel();
        e.setFlowId(flow.getId());
        e.setRequirement(requirement);
        e.setAuthenticatorFlow(true);
        return e;
    }

    private void addExecution(AuthenticationFlowModel parent, String authenticator, Requirement requirement,
                              int priority) {
        AuthenticationExecutionModel e = execution(authenticator, requirement);
        e.setParentFlow(parent.getId());
        e.setPriority(priority);
        realm.addAuthenticatorExecution(e);
    }

    private void executionAfter(AuthenticationFlowModel parent, AuthenticationExecutionModel anchor,
                                AuthenticationExecutionModel added) {
        insert(parent, anchor, added, 1);
    }

    private void executionBefore(AuthenticationFlowModel parent, AuthenticationExecutionModel anchor,
                                 AuthenticationExecutionModel added) {
        insert(parent, anchor, added, 0);
    }

    /** Inserts {@code added} next to {@code anchor} and numbers the flow's executions 10, 20, … in order. */
    private void insert(AuthenticationFlowModel parent, AuthenticationExecutionModel anchor,
                        AuthenticationExecutionModel added, int offset) {
        List<AuthenticationExecutionModel> ordered = new ArrayList<>(PolicyPaths.executions(realm, 
                parent.getId()).sorted(Comparator.comparingInt(AuthenticationExecutionModel::getPriority)).toList());
        int at = 0;
        for (int i = 0; i < ordered.size(); i++) {
            if (ordered.get(i).getId().equals(anchor.getId())) {
                at = i + offset;
            }
        }
        added.setParentFlow(parent.getId());
        ordered.add(at, added);
        int priority = 10;
        for (AuthenticationExecutionModel e : ordered) {
            e.setPriority(priority);
            priority += 10;
            if (e.getId() == null) {
                realm.addAuthenticatorExecution(e);
            } else {
                realm.updateAuthenticatorExecution(e);
            }
        }
    }

    private boolean isCondition(String authenticator) {
        return authenticator != null && session.getKeycloakSessionFactory()
                .getProviderFactory(Authenticator.class, authenticator) instanceof ConditionalAuthenticatorFactory;
    }
}
