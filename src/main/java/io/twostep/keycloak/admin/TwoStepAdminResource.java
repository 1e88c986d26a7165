package io.twostep.keycloak.admin;

import io.twostep.keycloak.limits.SmsLimiter;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.services.resources.admin.AdminEventBuilder;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;

import java.util.Map;

/**
 * Admin REST under {@code /admin/realms/{realm}/two-step}. For now: a user's wrong-SMS-code standing, readable with
 * {@code view-users} and resettable with {@code manage-users}.
 */
public final class TwoStepAdminResource {

    private final KeycloakSession session;
    private final RealmModel realm;
    private final AdminPermissionEvaluator auth;
    private final AdminEventBuilder adminEvent;

    TwoStepAdminResource(KeycloakSession session, RealmModel realm, AdminPermissionEvaluator auth,
                         AdminEventBuilder adminEvent) {
        this.session = session;
        this.realm = realm;
        this.auth = auth;
        this.adminEvent = adminEvent.resource(ResourceType.USER);
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
        UserModel user = user(userId);
        auth.users().requireView(user);
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
        UserModel user = user(userId);
        auth.users().requireManage(user);
        session.getProvider(SmsLimiter.class).resetFailures(realm, user);
        adminEvent.operation(OperationType.DELETE)
                .resourcePath("users", user.getId(), "two-step", "sms-failures")
                .success();
        return Response.noContent().build();
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
