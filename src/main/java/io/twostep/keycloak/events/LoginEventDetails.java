package io.twostep.keycloak.events;

import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.util.JsonSerialization;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Details a step adds to the {@code LOGIN} event. Keycloak builds a fresh event for each request and sends
 * {@code LOGIN} from the last request of the login, so details added on an earlier page (the SMS code) would be lost
 * when another page follows (Remember this device?). They are kept in one authentication-session note and put back
 * on the event by the step that ends the login.
 */
public final class LoginEventDetails {

    static final String NOTE = "two-step.login-event-details";

    private LoginEventDetails() {
    }

    /**
     * Adds a detail to this request's event, together with those kept from earlier requests of the same login (so
     * a login that ends in this request loses none), and keeps it for a later request.
     */
    public static void add(AuthenticationFlowContext context, String key, String value) {
        Map<String, String> kept = kept(context);
        kept.put(key, value);
        kept.forEach((k, v) -> context.getEvent().detail(k, v));
        try {
            context.getAuthenticationSession().setAuthNote(NOTE, JsonSerialization.writeValueAsString(kept));
        } catch (IOException e) {
            // a map of strings always serialises; the detail is on this request's event either way
        }
    }

    /** Puts the kept details on this request's event. */
    public static void restore(AuthenticationFlowContext context) {
        kept(context).forEach((key, value) -> context.getEvent().detail(key, value));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> kept(AuthenticationFlowContext context) {
        String note = context.getAuthenticationSession().getAuthNote(NOTE);
        if (note == null) {
            return new LinkedHashMap<>();
        }
        try {
            return new LinkedHashMap<>(JsonSerialization.readValue(note, Map.class));
        } catch (IOException e) {
            return new LinkedHashMap<>();
        }
    }
}
