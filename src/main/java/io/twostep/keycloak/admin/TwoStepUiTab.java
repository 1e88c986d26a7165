package io.twostep.keycloak.admin;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.policy.TwoStepSettings;
import io.twostep.keycloak.policy.TwoStepSettings.Setting;
import io.twostep.keycloak.provider.NoLifecycle;
import org.keycloak.common.util.MultivaluedHashMap;
import org.keycloak.common.util.Time;
import org.keycloak.component.ComponentModel;
import org.keycloak.component.ComponentValidationException;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.services.resources.admin.AdminAuth;
import org.keycloak.services.resources.admin.AdminEventBuilder;
import org.keycloak.services.resources.admin.AdminRoot;
import org.keycloak.services.resources.admin.fgap.AdminPermissions;
import org.keycloak.services.ui.extend.UiTabProvider;
import org.keycloak.services.ui.extend.UiTabProviderFactory;

import jakarta.ws.rs.core.Response;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The "Two-step login" tab under Realm settings in the admin console (needs the {@code declarative-ui} feature): a
 * view of the policy in the realm attributes, and a form that changes it like
 * {@code PUT /admin/realms/{realm}/two-step} ({@link PolicyChange}: refused on a bad value or when it would switch the policy on while a way into the realm does
 * not enforce it; "Set up the realm on save" runs the set-up first; recorded as the same admin event).
 * <p>
 * <b>Why the tab keeps a copy.</b> The realm attributes are the one store of the policy. Keycloak's tab API cannot
 * show them directly: the admin console fills the tab's form from the tab's stored component
 * ({@code GET /admin/realms/{realm}/components?type=org.keycloak.services.ui.extend.UiTabProvider}, which copies the
 * component's config and calls no provider), and {@link UiTabProviderFactory}, like every {@code ComponentFactory},
 * is only told of writes ({@code validateConfiguration}, {@code onCreate}, {@code onUpdate}), never of reads. So the
 * stored component holds a copy of the attributes, mirrored one way only, attributes to tab, by {@link #refresh}:
 * after every change through the REST API, after a save of the tab itself, and when a realm is created or imported.
 * A save of the tab is a command, not a second store: it changes the attributes and the copy is then rewritten from
 * them. What Keycloak gives no hook for is a raw write of the attributes ({@code PUT /admin/realms/{realm}} with a
 * {@code twoStep.*} attribute); the tab shows such a write after the next change or save.
 */
public final class TwoStepUiTab implements UiTabProviderFactory<ComponentModel>, NoLifecycle<UiTabProvider> {

    /**
     * Field of the tab showing, as of the last change, whether every way into the realm enforces the policy (no user
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
     * The list fields' options as the tab shows them, by attribute value. Keycloak's list fields show an option as
     * it is (no translation), so the options are words an admin reads; each field's help text says what they mean in
     * the admin's language. The attribute values are accepted too.
     */
    private static final Map<Setting, Map<String, String>> OPTIONS = Map.of(
            Setting.METHOD, options("any", "User's choice", "otp", "Authenticator app", "sms", "Text message (SMS)"),
            Setting.RECOVERY_CODES, options("offer", "Offered after a set-up", "required", "Required", "off", "Off"));

    /** Session attribute: this request writes the tab's copy, so Keycloak's validation of that write is ours. */
    private static final String REFRESHING = "two-step.tab.refreshing";
    /** Session attribute, per realm id: the realm is being created or imported in this request. */
    private static final String IMPORTING = "two-step.tab.importing.";

    /**
     * Keycloak calls this before it stores a save of the tab (and when a realm import brings one). An admin's save is
     * a command: only the fields it changed count (changed against the stored copy, or against the fields' defaults
     * when none is stored), so that a field the admin left alone never overwrites a value written to the attributes
     * directly since the copy was made. The saved component then holds the copy of what is in force.
     *
     * @throws ComponentValidationException with a message for the admin when the change is refused
     */
    @Override
    public void validateConfiguration(KeycloakSession session, RealmModel realm, ComponentModel model) {
        if (session.getAttribute(REFRESHING) != null || session.getAttribute(IMPORTING + realm.getId()) != null) {
            return; // our own copy, or an import: the copy is written from the attributes
        }
        if (model.getConfig() == null) {
            model.setConfig(new MultivaluedHashMap<>());
        }
        MultivaluedHashMap<String, String> config = model.getConfig();
        boolean setUp = Boolean.parseBoolean(config.getFirst(SET_UP));
        boolean endSessions = Boolean.parseBoolean(config.getFirst(RealmSessions.END_SESSIONS));
        Map<String, Object> changes = changes(stored(realm, model), config);
        RealmModel contextRealm = session.getContext().getRealm();
        try {
            AdminAuth auth = AdminRoot.authenticateRealmAdminRequest(session);
            if (endSessions) {
                requireManageUsers(session, realm, auth);
            }
            new PolicyChange(session, realm, new AdminEventBuilder(realm, auth, session,
                    session.getContext().getConnection())).apply(changes, setUp, endSessions);
        } catch (PolicyChange.Refused e) {
            throw e.status() == Response.Status.BAD_REQUEST ? refusedValue(session, config, e.getMessage())
                    : AdminLanguage.asWritten(e.getMessage());
        } finally {
            session.getContext().setRealm(contextRealm); // the admin lookup switches it to the admin's realm
        }
        config.putAll(view(session, realm)); // other keys (the console's route parameters) stay
    }

    /** Ending every session is user management: the admin saving the tab needs {@code manage-users} too. */
    private static void requireManageUsers(KeycloakSession session, RealmModel realm, AdminAuth auth) {
        try {
            AdminPermissions.evaluator(session, realm, auth).users().requireManage();
        } catch (RuntimeException e) {
            throw AdminLanguage.refusal(session, "twoStepTabEndSessionsRefused");
        }
    }

    /** @return the stored copy of the tab being saved, or {@code null} on its first save */
    private static ComponentModel stored(RealmModel realm, ComponentModel model) {
        return model.getId() == null ? null : realm.getComponent(model.getId());
    }

    /**
     * The change detection of a save: the admin console sends every field, so a field counts as changed only where
     * it differs from the stored copy the form is filled with (or, before there is one or where it lacks the field,
     * the field's default).
     *
     * @param stored    the stored copy, or {@code null}
     * @param submitted the saved form's fields
     * @return the settings the save changed, keyed like {@link Setting#key()}, values as typed (trimmed)
     */
    static Map<String, Object> changes(ComponentModel stored, MultivaluedHashMap<String, String> submitted) {
        // A field the stored copy lacks (a copy made before the field existed) is compared with its default.
        Map<String, Object> baseline = settingsOf(defaults());
        if (stored != null) {
            baseline.putAll(settingsOf(stored.getConfig()));
        }
        Map<String, Object> changed = new HashMap<>(settingsOf(submitted));
        changed.entrySet().removeIf(e -> e.getValue().equals(baseline.get(e.getKey())));
        return changed;
    }

    /** @return the policy's fields of a tab's config, trimmed, blanks left out */
    private static Map<String, Object> settingsOf(MultivaluedHashMap<String, String> config) {
        Map<String, Object> settings = new HashMap<>();
        for (Setting setting : Setting.values()) {
            String value = config == null ? null : config.getFirst(setting.key());
            if (value != null && !value.isBlank()) {
                String option = optionValue(setting, value.trim());
                settings.put(setting.key(), option != null ? option : value.trim());
            }
        }
        return settings;
    }

    /**
     * A value the policy refuses, told with the field's label in the admin's language.
     *
     * @param refusal the policy's own message, shown as it is when no field is found at fault
     */
    private static ComponentValidationException refusedValue(KeycloakSession session,
                                                             MultivaluedHashMap<String, String> config,
                                                             String refusal) {
        for (Setting setting : OPTIONS.keySet()) {
            String value = config.getFirst(setting.key());
            if (value != null && !value.isBlank() && optionValue(setting, value.trim()) == null) {
                return AdminLanguage.refusal(session, setting == Setting.METHOD ? "twoStepTabMethodInvalid"
                        : "twoStepTabRecoveryCodesInvalid");
            }
        }
        for (Setting setting : List.of(Setting.ENROLMENT_GRACE_DAYS, Setting.TRUSTED_DEVICE_DAYS)) {
            String value = config.getFirst(setting.key());
            if (value != null && !value.isBlank() && !isDays(value.trim())) {
                return AdminLanguage.refusal(session, "twoStepTabDaysInvalid",
                        setting == Setting.ENROLMENT_GRACE_DAYS ? "twoStepTabGraceDays" : "twoStepTabDeviceDays");
            }
        }
        return AdminLanguage.asWritten(refusal);
    }

    private static boolean isDays(String text) {
        try {
            int days = Integer.parseInt(text);
            return days >= 0 && days <= 365;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** @return the attribute value of a list field's option or value (any case), or null for neither */
    private static String optionValue(Setting setting, String shownOrValue) {
        Map<String, String> options = OPTIONS.get(setting);
        if (options == null) {
            return null;
        }
        for (Map.Entry<String, String> option : options.entrySet()) {
            if (option.getKey().equalsIgnoreCase(shownOrValue) || option.getValue().equalsIgnoreCase(shownOrValue)) {
                return option.getKey();
            }
        }
        return null;
    }

    /** @return value → shown option, in the order given (the order the tab lists them) */
    private static Map<String, String> options(String... valueThenShown) {
        Map<String, String> options = new java.util.LinkedHashMap<>();
        for (int i = 0; i < valueThenShown.length; i += 2) {
            options.put(valueThenShown[i], valueThenShown[i + 1]);
        }
        return options;
    }

    /**
     * Writes the policy in force into the realm's stored tab, so that the admin console shows it. A realm without a
     * stored tab gets one when its policy differs from the defaults (a never-saved tab shows the fields' defaults).
     * Keycloak validates the write; {@link #validateConfiguration} leaves it alone.
     *
     * @param realm the realm whose attributes changed
     */
    public static void refresh(KeycloakSession session, RealmModel realm) {
        TwoStepSettings settings = TwoStepSettings.of(session, realm);
        List<ComponentModel> tabs = realm.getComponentsStream(realm.getId(), UiTabProvider.class.getName())
                .filter(c -> TwoStepIds.ADMIN_TAB.equals(c.getProviderId())).toList();
        boolean asDefaults = settingsOf(defaults()).equals(settingsOf(form(settings)));
        if (tabs.isEmpty() && asDefaults) {
            return;
        }
        session.setAttribute(REFRESHING, Boolean.TRUE);
        try {
            if (tabs.isEmpty()) {
                ComponentModel tab = new ComponentModel();
                tab.setName(TwoStepIds.ADMIN_TAB);
                tab.setProviderId(TwoStepIds.ADMIN_TAB);
                tab.setProviderType(UiTabProvider.class.getName());
                tab.setParentId(realm.getId());
                tab.setConfig(view(session, realm));
                realm.addComponentModel(tab);
            }
            for (ComponentModel tab : tabs) {
                if (!settingsOf(tab.getConfig()).equals(settingsOf(form(settings)))) {
                    if (tab.getConfig() == null) {
                        tab.setConfig(new MultivaluedHashMap<>());
                    }
                    tab.getConfig().putAll(view(session, realm));
                    realm.updateComponent(tab);
                }
            }
        } finally {
            session.removeAttribute(REFRESHING);
        }
    }

    /**
     * Marks a realm as being created or imported in this request: a tab its import brings is not a command, and
     * {@link #refresh} writes it from the imported attributes once the realm is complete ({@link #imported}).
     */
    static void importing(KeycloakSession session, RealmModel realm) {
        session.setAttribute(IMPORTING + realm.getId(), Boolean.TRUE);
    }

    /** The realm is complete: its tab shows the policy it was imported with. */
    static void imported(KeycloakSession session, RealmModel realm) {
        session.removeAttribute(IMPORTING + realm.getId());
        refresh(session, realm);
    }

    /** @return the whole stored copy: the policy, the one-shot switches off, the ways-in summary as of now */
    private static MultivaluedHashMap<String, String> view(KeycloakSession session, RealmModel realm) {
        MultivaluedHashMap<String, String> config = form(TwoStepSettings.of(session, realm));
        config.putSingle(SET_UP, "false");
        config.putSingle(RealmSessions.END_SESSIONS, "false");
        config.putSingle(READINESS, ReadinessReport.waysInSummary(session, realm, Time.currentTime()));
        return config;
    }

    /** @return the policy's fields as the form holds them, text */
    private static MultivaluedHashMap<String, String> form(TwoStepSettings settings) {
        MultivaluedHashMap<String, String> config = new MultivaluedHashMap<>();
        for (Setting setting : Setting.values()) {
            String value = String.valueOf(setting.valueOf(settings));
            config.putSingle(setting.key(), OPTIONS.getOrDefault(setting, Map.of()).getOrDefault(value, value));
        }
        return config;
    }

    /** @return what the form of a never-saved tab shows: the fields' defaults */
    private static MultivaluedHashMap<String, String> defaults() {
        return form(TwoStepSettings.DEFAULTS);
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
        return "Two-step login for the whole realm: switch it on, choose the method, grace period, trusted devices, "
                + "recovery codes and security notices.";
    }

    /**
     * The tab's fields. Labels and help texts are message keys ({@code twoStepTab*} in our bundles), which the admin
     * console shows in the admin's language; the list fields' options and the readiness field's first text are
     * shown as they are, in English.
     */
    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        String defaultGrace = String.valueOf(TwoStepSettings.DEFAULTS.enrolmentGraceDays());
        String defaultDays = String.valueOf(TwoStepSettings.DEFAULTS.trustedDeviceDays());
        Map<String, String> methods = OPTIONS.get(Setting.METHOD);
        Map<String, String> recoveryCodes = OPTIONS.get(Setting.RECOVERY_CODES);
        return ProviderConfigurationBuilder.create()
                .property().name(Setting.REQUIRED.key()).label("twoStepTabRequired")
                .type(ProviderConfigProperty.BOOLEAN_TYPE)
                .defaultValue(String.valueOf(TwoStepSettings.DEFAULTS.required()))
                .helpText("twoStepTabRequiredHelp").add()
                .property().name(Setting.METHOD.key()).label("twoStepTabMethod").type(ProviderConfigProperty.LIST_TYPE)
                .options(List.copyOf(methods.values()))
                .defaultValue(methods.get(TwoStepSettings.DEFAULTS.method().value()))
                .helpText("twoStepTabMethodHelp").add()
                .property().name(Setting.ENROLMENT_GRACE_DAYS.key()).label("twoStepTabGraceDays")
                .type(ProviderConfigProperty.STRING_TYPE).defaultValue(defaultGrace)
                .helpText("twoStepTabGraceDaysHelp").add()
                .property().name(Setting.TRUSTED_DEVICE_DAYS.key()).label("twoStepTabDeviceDays")
                .type(ProviderConfigProperty.STRING_TYPE).defaultValue(defaultDays)
                .helpText("twoStepTabDeviceDaysHelp").add()
                .property().name(Setting.RECOVERY_CODES.key()).label("twoStepTabRecoveryCodes")
                .type(ProviderConfigProperty.LIST_TYPE).options(List.copyOf(recoveryCodes.values()))
                .defaultValue(recoveryCodes.get(TwoStepSettings.DEFAULTS.recoveryCodes().value()))
                .helpText("twoStepTabRecoveryCodesHelp").add()
                .property().name(Setting.NOTIFICATIONS.key()).label("twoStepTabNotifications")
                .type(ProviderConfigProperty.BOOLEAN_TYPE)
                .defaultValue(String.valueOf(TwoStepSettings.DEFAULTS.notifications()))
                .helpText("twoStepTabNotificationsHelp").add()
                .property().name(SET_UP).label("twoStepTabSetUp").type(ProviderConfigProperty.BOOLEAN_TYPE)
                .defaultValue("false").helpText("twoStepTabSetUpHelp").add()
                .property().name(RealmSessions.END_SESSIONS).label("twoStepTabEndSessions")
                .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").helpText("twoStepTabEndSessionsHelp")
                .add()
                .property().name(READINESS).label("twoStepTabReadiness").type(ProviderConfigProperty.TEXT_TYPE)
                // Shown by a realm whose tab was never written (its policy as the defaults): Keycloak's tab cannot
                // compute a field when it is opened, and shows a save only after the page is loaded again.
                .defaultValue("Not computed yet. It shows here after a change of the policy or a save of this tab, "
                        + "once the page is loaded again. The full readiness report needs no save: "
                        + "GET /admin/realms/<realm>/two-step/readiness (view-users).")
                .helpText("twoStepTabReadinessHelp")
                .add()
                .build();
    }

    @Override
    public String getId() {
        return TwoStepIds.ADMIN_TAB;
    }
}
