package io.twostep.keycloak.policy;

import org.keycloak.Config;
import org.keycloak.common.util.Time;
import org.keycloak.component.ComponentModel;
import org.keycloak.component.ComponentValidationException;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.services.resources.admin.AdminAuth;
import org.keycloak.services.resources.admin.AdminEventBuilder;
import org.keycloak.services.resources.admin.AdminRoot;
import org.keycloak.services.resources.admin.fgap.AdminPermissions;
import org.keycloak.services.ui.extend.UiTabProvider;
import org.keycloak.services.ui.extend.UiTabProviderFactory;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The "Two-step login" tab under Realm settings in the admin console (needs the {@code declarative-ui} feature).
 * Saving it is refused on a bad value or when it would switch the policy on while a way into the realm does not
 * enforce it ({@link SwitchGuard}); with "Set up the realm on save" ticked, the save runs {@link TwoStepSetup} first.
 * A save writes the {@code twoStep.*} attributes it changed, and is recorded like
 * {@code PUT /admin/realms/{realm}/two-step}; it also shows whether every way in enforces the policy as of the save.
 */
public final class TwoStepUiTab implements UiTabProvider, UiTabProviderFactory<ComponentModel> {

    /** Provider id; the admin console shows it as the tab's title. */
    public static final String ID = "Two-step login";
    private static final List<String> POLICY_KEYS =
            List.of("required", "method", "trustedDeviceDays", "enrolmentGraceDays");
    /** The policy's fields, then those of {@link AccountRecoverySettings}. */
    private static final List<String> KEYS = java.util.stream.Stream.concat(POLICY_KEYS.stream(),
            AccountRecoverySettings.KEYS.stream()).toList();
    /** What the form shows for a tab never saved: the fields' default values below. */
    private static final Map<String, Object> FORM_DEFAULTS = Map.of("required", "false", "method", "any",
            "trustedDeviceDays", "90", "enrolmentGraceDays", "0", "recoveryCodes", "offer",
            "notifications", "true");

    /**
     * Field of the tab showing, as of the last save, whether every way into the realm enforces the policy (no user
     * counts: those need {@code view-users}, the tab only {@code view-realm}). Keycloak's server info does not pass a
     * read-only flag on, so the field is editable, but its value is always replaced.
     */
    static final String READINESS = "readiness";
    /**
     * Field of the tab: "Set up the realm on save". Keycloak's declarative tabs offer fields and a Save button, no
     * action buttons, so the set-up is a switch that a save runs once and turns off again.
     */
    static final String SET_UP = "setUp";

    /**
     * Keycloak calls this before it stores a save. The form may show values older than the realm's (the tab was
     * never saved, or the policy was set since through the REST API, an import or a raw attribute), so only the
     * fields this save changed count: changed against the stored tab, or against the fields' defaults on the first
     * save. The stored tab then holds the policy that will be in force, and the readiness counts.
     */
    @Override
    public void validateConfiguration(KeycloakSession session, RealmModel realm, ComponentModel model) {
        Map<String, Object> changes = changes(realm, model);
        Map<String, Object> recoveryChanges = AccountRecoverySettings.ownKeys(changes);
        changes.keySet().removeAll(recoveryChanges.keySet());
        TwoStepSettings next;
        AccountRecoverySettings nextRecovery;
        try {
            next = current(realm).with(changes, Time.currentTime());
            nextRecovery = currentRecovery(realm).with(recoveryChanges);
        } catch (IllegalArgumentException e) {
            throw new ComponentValidationException(e.getMessage());
        }
        if (Boolean.parseBoolean(model.getConfig().getFirst(SET_UP))) {
            // The admin ticked "Set up the realm": the set-up runs before the switch is judged.
            TwoStepSetup.Result result = TwoStepSetup.run(session, realm, false);
            if (!result.refusals().isEmpty()) {
                throw new ComponentValidationException(result.refusalMessage());
            }
            if (result.applied()) {
                recordSetUp(session, realm, result);
            }
        }
        model.getConfig().putSingle(SET_UP, "false");
        String refusal = SwitchGuard.refusal(session, realm, current(realm), next);
        if (refusal == null) {
            refusal = RecoveryCodesReadiness.refusal(session, realm, currentRecovery(realm), nextRecovery);
        }
        if (refusal != null) {
            throw new ComponentValidationException(refusal);
        }
        putFields(model, next, nextRecovery);
        // Saving the tab refreshes whether the ways in enforce the policy. No user counts: a stored tab is readable
        // with view-realm alone, and the counts need view-users (they stay in GET …/two-step/readiness).
        model.getConfig().putSingle(READINESS, ReadinessReport.waysInSummary(session, realm, Time.currentTime()));
        if (Boolean.parseBoolean(model.getConfig().getFirst(RealmSessions.END_SESSIONS))) {
            // One-shot, like the set-up: the save ends every session, then the switch turns itself off.
            requireManageUsers(session, realm);
            RealmSessions.endAll(session, realm);
        }
        model.getConfig().putSingle(RealmSessions.END_SESSIONS, "false");
    }

    /** Ending every session is user management: the admin saving the tab needs {@code manage-users} too. */
    private static void requireManageUsers(KeycloakSession session, RealmModel realm) {
        RealmModel contextRealm = session.getContext().getRealm();
        try {
            AdminAuth auth = AdminRoot.authenticateRealmAdminRequest(session);
            AdminPermissions.evaluator(session, realm, auth).users().requireManage();
        } catch (RuntimeException e) {
            throw new ComponentValidationException("Ending all sessions needs the manage-users role as well.");
        } finally {
            session.getContext().setRealm(contextRealm);
        }
    }

    /** @return the fields of {@code model} that differ from the stored tab, or from the defaults if none is stored */
    private static Map<String, Object> changes(RealmModel realm, ComponentModel model) {
        // A tab saved before the recovery fields existed has none stored: their defaults are the baseline.
        ComponentModel stored = model.getId() == null ? null : realm.getComponent(model.getId());
        Map<String, Object> baseline = new HashMap<>(FORM_DEFAULTS);
        if (stored != null) {
            baseline.keySet().removeAll(POLICY_KEYS);
            baseline.putAll(update(stored));
        }
        Map<String, Object> changed = new HashMap<>(update(model));
        changed.entrySet().removeIf(e -> e.getValue().equals(baseline.get(e.getKey())));
        return changed;
    }

    /** After {@link #validateConfiguration}, the saved tab holds the whole policy to put in force. */
    @Override
    public void onUpdate(KeycloakSession session, RealmModel realm, ComponentModel oldModel, ComponentModel newModel) {
        apply(session, realm, update(newModel));
    }

    @Override
    public void onCreate(KeycloakSession session, RealmModel realm, ComponentModel model) {
        apply(session, realm, update(model));
    }

    private static void apply(KeycloakSession session, RealmModel realm, Map<String, Object> update) {
        if (update.isEmpty()) {
            return;
        }
        Map<String, Object> policyUpdate = new HashMap<>(update);
        Map<String, Object> recoveryUpdate = AccountRecoverySettings.ownKeys(update);
        policyUpdate.keySet().removeAll(recoveryUpdate.keySet());
        TwoStepSettings before = current(realm);
        TwoStepSettings after = before.with(policyUpdate, Time.currentTime());
        AccountRecoverySettings recoveryBefore = currentRecovery(realm);
        AccountRecoverySettings recoveryAfter = recoveryBefore.with(recoveryUpdate);
        after.toAttributes().forEach(realm::setAttribute);
        recoveryAfter.toAttributes().forEach(realm::setAttribute);
        // the REST API's mirror() lands here too, with nothing left to change
        if (!after.equals(before) || !recoveryAfter.equals(recoveryBefore)) {
            recordChange(session, realm, api(before, recoveryBefore), api(after, recoveryAfter));
        }
    }

    private static Map<String, Object> api(TwoStepSettings policy, AccountRecoverySettings recovery) {
        Map<String, Object> api = new LinkedHashMap<>(policy.toApi());
        api.putAll(recovery.toApi());
        return api;
    }

    private static void putFields(ComponentModel model, TwoStepSettings policy, AccountRecoverySettings recovery) {
        api(policy, recovery).forEach((key, value) -> {
            if (KEYS.contains(key)) {
                model.getConfig().putSingle(key, String.valueOf(value));
            }
        });
    }

    /**
     * Records a save of the tab as the REST API records a change: an admin event on {@code two-step} carrying the
     * old and the new policy. Keycloak's own component event carries only the new values. The admin is read from the
     * request's bearer token, as Keycloak's admin endpoints do.
     */
    private static void recordChange(KeycloakSession session, RealmModel realm, Map<String, Object> before,
                                     Map<String, Object> after) {
        RealmModel contextRealm = session.getContext().getRealm();
        try {
            AdminAuth auth = AdminRoot.authenticateRealmAdminRequest(session);
            Map<String, Object> change = new LinkedHashMap<>();
            change.put("old", before);
            change.put("new", after);
            new AdminEventBuilder(realm, auth, session, session.getContext().getConnection())
                    .resource(ResourceType.REALM).operation(OperationType.UPDATE)
                    .resourcePath("two-step").representation(change).success();
        } catch (RuntimeException e) {
            // not an admin REST request (e.g. a realm import): Keycloak records the import itself
        } finally {
            session.getContext().setRealm(contextRealm); // the lookup switches it to the admin's realm
        }
    }

    /** Records the set-up run from the tab as the REST API records it. */
    private static void recordSetUp(KeycloakSession session, RealmModel realm, TwoStepSetup.Result result) {
        RealmModel contextRealm = session.getContext().getRealm();
        try {
            AdminAuth auth = AdminRoot.authenticateRealmAdminRequest(session);
            new AdminEventBuilder(realm, auth, session, session.getContext().getConnection())
                    .resource(ResourceType.REALM).operation(OperationType.ACTION)
                    .resourcePath("two-step", "setup").representation(result.toJson()).success();
        } catch (RuntimeException e) {
            // not an admin REST request
        } finally {
            session.getContext().setRealm(contextRealm);
        }
    }

    /**
     * Mirrors the policy into this realm's saved tab, if any, so that the tab shows what the REST API set.
     */
    public static void mirror(RealmModel realm, TwoStepSettings settings, AccountRecoverySettings recovery) {
        realm.getComponentsStream(realm.getId(), UiTabProvider.class.getName())
                .filter(c -> ID.equals(c.getProviderId())).toList()
                .forEach(component -> {
                    putFields(component, settings, recovery);
                    realm.updateComponent(component);
                });
    }

    private static TwoStepSettings current(RealmModel realm) {
        return TwoStepSettings.fromAttributes(realm.getAttributes());
    }

    private static AccountRecoverySettings currentRecovery(RealmModel realm) {
        return AccountRecoverySettings.fromAttributes(realm.getAttributes());
    }

    private static Map<String, Object> update(ComponentModel model) {
        Map<String, Object> update = new HashMap<>();
        for (String key : KEYS) {
            String value = model.getConfig() == null ? null : model.getConfig().getFirst(key);
            if (value != null && !value.isBlank()) {
                update.put(key, value.trim());
            }
        }
        return update;
    }

    @Override
    public String getPath() {
        return "/:realm/realm-settings/:tab?";
    }

    @Override
    public Map<String, String> getParams() {
        return Map.of("tab", "two-step");
    }

    @Override
    public String getHelpText() {
        return "Two-step login for the whole realm: switch it on, choose the method, grace period and trusted devices.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return ProviderConfigurationBuilder.create()
                .property().name("required").label("Require two-step login").type(ProviderConfigProperty.BOOLEAN_TYPE)
                .defaultValue("false")
                .helpText("Every user passes a second step, or sets one up, at their next login.").add()
                .property().name("method").label("Method").type(ProviderConfigProperty.LIST_TYPE)
                .options("any", "otp", "sms").defaultValue("any")
                .helpText("otp: authenticator app; sms: code by text message; any: the user's choice.").add()
                .property().name("enrolmentGraceDays").label("Grace period (days)")
                .type(ProviderConfigProperty.STRING_TYPE).defaultValue("0")
                .helpText("Days after switching on in which users may choose Set up later (0 to 365).").add()
                .property().name("trustedDeviceDays").label("Remember devices (days)")
                .type(ProviderConfigProperty.STRING_TYPE).defaultValue("90")
                .helpText("Days a remembered device skips the second step (0 to 365; 0 turns the feature off).").add()
                .property().name("recoveryCodes").label("Recovery codes").type(ProviderConfigProperty.LIST_TYPE)
                .options("offer", "required", "off").defaultValue("offer")
                .helpText("offer: Keycloak's recovery codes are shown right after a user first sets up a second step; "
                        + "required: also every user with a second factor but no codes sets them up at the next "
                        + "sign-in with the second step; off: neither, and codes are not accepted at login.").add()
                .property().name("notifications").label("Security notices by e-mail")
                .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("true")
                .helpText("E-mails users (with the realm's SMTP settings) when a number is bound or changed, a second "
                        + "factor is removed, a device is remembered, text messages are blocked after wrong codes, a "
                        + "recovery code is used, or the help desk resets their two-step login.").add()
                .property().name(SET_UP).label("Set up the realm on save").type(ProviderConfigProperty.BOOLEAN_TYPE)
                .defaultValue("false")
                .helpText("Wires the realm for the policy when you save (user profile, required actions, copies of "
                        + "the browser, direct grant, reset and registration flows with the two-step steps, post login "
                        + "flows of identity providers). Running it again changes nothing. Switching the policy on is "
                        + "refused until every way in enforces it.").add()
                .property().name(RealmSessions.END_SESSIONS).label("End all sessions on save")
                .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false")
                .helpText("Signs every user out when you save (needs manage-users too), so that sessions begun "
                        + "before the switch without a second step end now rather than when they expire. Turns "
                        + "itself off after the save.").add()
                .property().name(READINESS).label("Readiness (computed)").type(ProviderConfigProperty.TEXT_TYPE)
                .defaultValue("Not computed yet: save this tab.")
                .helpText("Whether the browser flow, direct grant and every other way in enforce the policy, as of "
                        + "the last save; typing here changes nothing. Users to follow up (no phone number, invalid "
                        + "or shared numbers, no second factor) are in GET /admin/realms/{realm}/two-step/readiness, "
                        + "which needs view-users.")
                .add()
                .build();
    }

    @Override
    public String getId() {
        return ID;
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
