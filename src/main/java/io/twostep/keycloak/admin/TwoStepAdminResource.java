package io.twostep.keycloak.admin;

import io.twostep.keycloak.TwoStepIds;
import io.twostep.keycloak.enforcement.SwitchGuard;
import io.twostep.keycloak.enforcement.TwoStepSetup;
import io.twostep.keycloak.limits.SmsLimiter;
import io.twostep.keycloak.phone.RealmPhonePolicy;
import io.twostep.keycloak.policy.TwoStepSettings;
import io.twostep.keycloak.recovery.HelpDeskReset;
import io.twostep.keycloak.trusteddevice.TrustedDevices;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.services.ErrorResponse;
import org.keycloak.services.ErrorResponseException;
import org.keycloak.services.resources.admin.AdminEventBuilder;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Admin REST under {@code /admin/realms/{realm}/two-step}: the realm's two-step policy ({@code view-realm} reads,
 * {@code manage-realm} writes), the realm set-up ({@code manage-realm}), a user's wrong-SMS-code standing
 * ({@code view-users} reads, {@code manage-users} resets), remembered devices, and the help-desk reset of a user
 * ({@code manage-users}).
 */
public final class TwoStepAdminResource {

    /** Key of a policy update that runs the set-up first (the admin's confirmation). */
    static final String SET_UP = "setUp";

    private final KeycloakSession session;
    private final RealmModel realm;
    private final AdminPermissionEvaluator auth;
    private final AdminEventBuilder adminEvent;

    TwoStepAdminResource(KeycloakSession session, RealmModel realm, AdminPermissionEvaluator auth,
                         AdminEventBuilder adminEvent) {
        this.session = session;
        this.realm = realm;
        this.auth = auth;
        this.adminEvent = adminEvent;
    }

    /**
     * @return the policy, e.g. {@code {"required":false,"method":"any","trustedDeviceDays":90,
     *         "enrolmentGraceDays":0,"recoveryCodes":"offer","notifications":true,"requiredSince":0}}
     */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> policy() {
        auth.realm().requireViewRealm();
        return TwoStepSettings.of(session, realm).toApi();
    }

    /**
     * Changes some or all of the policy ({@link PolicyChange}). Only {@code twoStep.*} realm attributes are written;
     * switching {@code required} on records the time in {@code requiredSince}. The change is an admin event carrying
     * the old and the new policy. Switching the policy on (or changing its method while on) is refused while a way
     * into the realm does not enforce it ({@link SwitchGuard}); {@code "setUp": true} runs the set-up first. The
     * admin console tab then shows the new policy.
     *
     * @param update any of {@code required}, {@code method}, {@code trustedDeviceDays}, {@code enrolmentGraceDays},
     *               {@code recoveryCodes} ({@code off}, {@code offer}, {@code required}), {@code notifications}
     *               (boolean), {@code setUp} (boolean) and {@code endSessions} (boolean: end every SSO session of
     *               the realm with the change, see {@link RealmSessions}; needs {@code manage-users} too)
     * @return the policy now in force
     * @throws ErrorResponseException 400 with a message naming the bad setting; 409 naming each way in that does
     *                                not enforce the policy, each flow the set-up refused to change, or why
     *                                recovery codes cannot be required
     */
    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> updatePolicy(Map<String, Object> update) {
        auth.realm().requireManageRealm();
        if (update == null) {
            throw ErrorResponse.error("a JSON object of settings is required", Response.Status.BAD_REQUEST);
        }
        Map<String, Object> settings = new LinkedHashMap<>(update);
        Object setUp = settings.remove(SET_UP);
        if (setUp != null && !(setUp instanceof Boolean)) {
            throw ErrorResponse.error(SET_UP + " must be true or false; was: " + setUp, Response.Status.BAD_REQUEST);
        }
        Object endSessions = settings.remove(RealmSessions.END_SESSIONS);
        if (endSessions != null && !(endSessions instanceof Boolean)) {
            throw ErrorResponse.error(RealmSessions.END_SESSIONS + " must be true or false; was: " + endSessions,
                    Response.Status.BAD_REQUEST);
        }
        if (Boolean.TRUE.equals(endSessions)) {
            auth.users().requireManage();
        }
        TwoStepSettings after;
        try {
            after = change().apply(settings, Boolean.TRUE.equals(setUp), Boolean.TRUE.equals(endSessions));
        } catch (PolicyChange.Refused e) {
            throw ErrorResponse.error(e.getMessage(), e.status());
        }
        TwoStepUiTab.refresh(session, realm);
        return after.toApi();
    }

    /**
     * Wires the realm for the policy (see {@link TwoStepSetup}): user profile attributes, required actions, copies
     * of the bound browser, direct grant, reset credentials and registration flows with the policy's steps, and the
     * post login flow of identity providers that have none. Running it again changes nothing. A real run is an
     * admin event carrying what changed.
     *
     * @param dryRun {@code true}: lists the changes without making them
     * @return {@code {"applied": b, "changes": [{"piece", "change"}], "refusals": [{"piece", "flow", "message"}],
     *         "manual": ["..."]}}
     * @throws ErrorResponseException 409 naming each flow too unusual to change (then nothing was changed)
     */
    @POST
    @Path("setup")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> setup(@QueryParam("dryRun") Boolean dryRun) {
        auth.realm().requireManageRealm();
        try {
            return change().setUp(Boolean.TRUE.equals(dryRun)).toJson();
        } catch (PolicyChange.Refused e) {
            throw ErrorResponse.error(e.getMessage(), e.status());
        }
    }

    private PolicyChange change() {
        return new PolicyChange(session, realm, adminEvent);
    }

    /**
     * The readiness report ({@code view-realm} and {@code view-users}): counts and pages of users with no
     * {@code phoneNumber}, an invalid or non-mobile one, one shared with another user, or no second factor; whether
     * the bound browser and direct-grant flows enforce the policy; and whether recovery codes work in the realm and
     * how many users have them ({@code recoveryCodes}).
     *
     * @param first entries to skip per category (default 0)
     * @param max   entries per category (default 100, at most 1000)
     * @return JSON
     */
    @GET
    @Path("readiness")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> readiness(@QueryParam("first") Integer first, @QueryParam("max") Integer max) {
        requireReadinessAccess();
        return report(first, max).toJson();
    }

    /** The readiness report as CSV ({@code Accept: text/csv}): {@code category,id,username}. */
    @GET
    @Path("readiness")
    @Produces("text/csv")
    public Response readinessCsv(@QueryParam("first") Integer first, @QueryParam("max") Integer max) {
        requireReadinessAccess();
        return Response.ok(report(first, max).toCsv(), "text/csv; charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"two-step-readiness.csv\"").build();
    }

    /** The report lists users, so it needs {@code view-users} besides {@code view-realm}. */
    private void requireReadinessAccess() {
        auth.realm().requireViewRealm();
        auth.users().requireView();
    }

    private ReadinessReport report(Integer first, Integer max) {
        int from = first == null ? 0 : Math.max(0, first);
        int size = max == null ? 100 : Math.max(0, Math.min(1000, max));
        return ReadinessReport.build(session, realm, RealmPhonePolicy.of(realm), from, size);
    }

    /**
     * @param userId the user's id
     * @return {@code {"failures": n, "blocked": bool, "waitSeconds": s}}
     * @throws NotFoundException when the user does not exist
     */
    @GET
    @Path("users/{userId}/sms-failures")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> smsFailures(@PathParam("userId") String userId) {
        UserModel user = userToView(userId);
        SmsLimiter.FailureStatus status = session.getProvider(SmsLimiter.class).failures(realm, user);
        return Map.of("failures", status.failures(), "blocked", status.blocked(), "waitSeconds", status.waitSeconds());
    }

    /**
     * Clears a user's wrong-SMS-code count, lifting a block of the SMS factor. Recorded as an admin event.
     *
     * @param userId the user's id
     * @return 204
     * @throws NotFoundException when the user does not exist
     */
    @DELETE
    @Path("users/{userId}/sms-failures")
    public Response resetSmsFailures(@PathParam("userId") String userId) {
        UserModel user = userToManage(userId);
        session.getProvider(SmsLimiter.class).resetFailures(realm, user);
        adminEvent.resource(ResourceType.USER).operation(OperationType.DELETE)
                .resourcePath("users", user.getId(), "two-step", "sms-failures")
                .success();
        return Response.noContent().build();
    }

    /**
     * Lists a user's remembered devices (docs/security.md S23): id, label, created and expiry times in epoch
     * milliseconds, newest first. Hashes are never returned.
     *
     * @param userId the user's id
     * @return {@code [{"id": "...", "label": "Firefox on Linux, 2026-11-29", "createdAt": ms, "expiresAt": ms}]}
     * @throws NotFoundException when the user does not exist
     */
    @GET
    @Path("users/{userId}/trusted-devices")
    @Produces(MediaType.APPLICATION_JSON)
    public List<Map<String, Object>> trustedDevices(@PathParam("userId") String userId) {
        UserModel user = userToView(userId);
        return TrustedDevices.list(user).stream()
                .map(d -> Map.<String, Object>of("id", d.getId(), "label", d.getUserLabel(),
                        "createdAt", d.getCreatedDate(), "expiresAt", d.expiresAt()))
                .toList();
    }

    /**
     * Ends all of a user's remembered devices at once (one at a time: the Credentials tab). Recorded as an admin
     * event.
     *
     * @param userId the user's id
     * @return {@code {"removed": n}}
     * @throws NotFoundException when the user does not exist
     */
    @DELETE
    @Path("users/{userId}/trusted-devices")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> forgetTrustedDevices(@PathParam("userId") String userId) {
        UserModel user = userToManage(userId);
        int removed = TrustedDevices.removeAll(user);
        adminEvent.resource(ResourceType.USER).operation(OperationType.DELETE)
                .resourcePath("users", user.getId(), "two-step", "trusted-devices")
                .representation(Map.of("removed", removed))
                .success();
        return Map.of("removed", removed);
    }

    /** @return the user, once the admin may view them */
    private UserModel userToView(String userId) {
        UserModel user = user(userId);
        auth.users().requireView(user);
        return user;
    }

    /** @return the user, once the admin may manage them */
    private UserModel userToManage(String userId) {
        UserModel user = user(userId);
        auth.users().requireManage(user);
        return user;
    }

    /**
     * The help desk's reset of a user who lost their phone ({@code manage-users}): removes the user's SMS number,
     * authenticator apps, recovery codes and remembered devices, clears the wrong-code count, ends the user's
     * sessions, makes the next login set up a second step again, and e-mails the user a notice (see
     * {@link HelpDeskReset}). Recorded as an admin event ({@code ACTION} on {@code users/{id}/two-step/reset})
     * carrying the answer, in which the number is masked.
     *
     * @param userId the user's id
     * @return {@code {"removed": {"sms-otp": n, "otp": n, "recovery-authn-codes": n, "trusted-device": n},
     *         "phoneNumber": "+49•••••••••89", "wrongCodeCountCleared": true, "sessionsEnded": n,
     *         "nextLogin": "configure-sms-otp"}}
     * @throws NotFoundException when the user does not exist
     * @throws jakarta.ws.rs.ForbiddenException (403) without {@code manage-users} for that user
     */
    @POST
    @Path("users/{userId}/reset")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> resetUser(@PathParam("userId") String userId) {
        UserModel user = userToManage(userId);
        Map<String, Object> result = HelpDeskReset.reset(session, realm, user);
        adminEvent.resource(ResourceType.USER).operation(OperationType.ACTION)
                .resourcePath("users", user.getId(), TwoStepIds.ADMIN_PATH, "reset")
                .representation(result)
                .success();
        return result;
    }

    private UserModel user(String userId) {
        UserModel user = session.users().getUserById(realm, userId);
        if (user == null) {
            auth.users().requireQuery();
            throw new NotFoundException("User not found");
        }
        return user;
    }
}
