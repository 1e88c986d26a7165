package io.twostep.keycloak.policy;

/**
 * What the realm's policy asks of one user at login: whether the second step runs and which enrolment, if any,
 * must follow. Pure decisions; the authenticators apply them. docs/security.md S16.
 */
public final class TwoStepPolicy {

    /** How far a recorded switch-on time may lie in the future (another node's clock) before it counts as bogus. */
    public static final long CLOCK_SKEW_SECONDS = 300;

    /** Enrolment a user needs before the policy is met. */
    public enum Enrolment {
        /** Nothing to set up. */
        NONE,
        /** The authenticator app (Keycloak's {@code CONFIGURE_TOTP}). */
        APP,
        /** An SMS number ({@code configure-sms-otp}). */
        SMS,
        /** Either, the user chooses on one page. */
        CHOICE
    }

    /**
     * @param enrolment      what must be set up
     * @param postponeUntil  epoch seconds until which the user may choose "Set up later"; 0 when they may not
     */
    public record Decision(Enrolment enrolment, long postponeUntil) {
        /** @return whether the user may still postpone at {@code now} */
        public boolean postponable(long now) {
            return enrolment != Enrolment.NONE && now < postponeUntil;
        }
    }

    private TwoStepPolicy() {
    }

    /**
     * Whether the second-step sub-flow runs: always while the toggle is on, otherwise for users who set up a second
     * factor themselves (Keycloak's usual behaviour).
     *
     * @param hasApp whether the user has an authenticator app (TOTP/HOTP)
     * @param hasSms whether the user has a proven SMS number
     */
    public static boolean secondStepRuns(TwoStepSettings settings, boolean hasApp, boolean hasSms) {
        return settings.required() || hasApp || hasSms;
    }

    /**
     * Whether an SMS code counts as the second step: not when the realm requires the authenticator app and the user
     * has it. A user who must still set the app up proves the existing SMS factor first, so the app is never set
     * up in a password-only session.
     *
     * @param hasApp whether the user has an authenticator app
     */
    public static boolean smsAccepted(TwoStepSettings settings, boolean hasApp) {
        return !(settings.required() && settings.method() == TwoStepSettings.Method.OTP && hasApp);
    }

    /**
     * @param now epoch seconds
     * @return the enrolment the user needs, and until when it may be postponed
     *         ({@code twoStep.enrolmentGraceDays} after the toggle was switched on)
     */
    public static Decision enrolment(TwoStepSettings settings, boolean hasApp, boolean hasSms, long now) {
        if (!settings.required()) {
            return new Decision(Enrolment.NONE, 0);
        }
        Enrolment needed = switch (settings.method()) {
            case OTP -> hasApp ? Enrolment.NONE : Enrolment.APP;
            case SMS -> hasSms ? Enrolment.NONE : Enrolment.SMS;
            case ANY -> hasApp || hasSms ? Enrolment.NONE : Enrolment.CHOICE;
        };
        long until = settings.enrolmentGraceDays() > 0 && settings.requiredSince() > 0
                ? settings.requiredSince() + settings.enrolmentGracePeriod().toSeconds() : 0;
        return new Decision(needed, needed == Enrolment.NONE ? 0 : until);
    }
}
