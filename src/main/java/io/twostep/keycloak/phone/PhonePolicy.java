package io.twostep.keycloak.phone;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which phone numbers may receive one-time codes: the one place where numbers are parsed and judged
 * (libphonenumber). A number passes when it parses with the default region, is valid, is of type
 * {@code MOBILE} or {@code FIXED_LINE_OR_MOBILE} (US/CA numbers), and, if an allow-list is set, belongs to an
 * allowed region. Premium-rate and shared-cost numbers fail the type check; satellite, international-network and
 * "universal" numbers (non-geographic calling codes such as +881, +882, +883) are refused outright.
 * NIST SP 800-63B §3.1.3.3 asks verifiers to check that an out-of-band number is a phone, not VoIP-like service;
 * type {@code VOIP} is refused for that reason.
 *
 * @param defaultRegion  ISO 3166-1 alpha-2 region for numbers typed without {@code +}, or {@code null} to accept
 *                       international format only
 * @param allowedRegions upper-case ISO 3166-1 alpha-2 regions; empty means every region
 */
public record PhonePolicy(String defaultRegion, Set<String> allowedRegions) {

    /** Longest input considered at all, in characters; longer input is refused before parsing. */
    public static final int MAX_INPUT_LENGTH = 32;

    private static final Pattern ALLOWED_CHARACTERS = Pattern.compile("[\\p{Nd}+()\\-./ \\u00A0]+");
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
    private static final String NON_GEOGRAPHIC = "001";

    /** Why a number was refused; each maps to a message on the enrolment page. */
    public enum Rejection {
        EMPTY, TOO_LONG, NOT_A_NUMBER, NEEDS_COUNTRY_CODE, INVALID, NOT_MOBILE, REGION_NOT_ALLOWED
    }

    /**
     * Outcome of {@link #check(String)}: either {@code e164} is set or {@code rejection} is.
     *
     * @param e164      the number in E.164 with a leading {@code +}
     * @param rejection why it was refused
     */
    public record Result(String e164, Rejection rejection) {
        /** @return {@code true} when the number may receive codes */
        public boolean accepted() {
            return e164 != null;
        }
    }

    public PhonePolicy {
        defaultRegion = defaultRegion == null || defaultRegion.isBlank()
                ? null : defaultRegion.trim().toUpperCase(Locale.ROOT);
        allowedRegions = allowedRegions == null ? Set.of() : allowedRegions.stream()
                .map(r -> r.trim().toUpperCase(Locale.ROOT)).filter(r -> !r.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * Builds a policy from settings text.
     *
     * @param defaultRegion  region code such as {@code DE}, or blank
     * @param allowedRegions comma- or space-separated region codes, or blank for all
     * @return the policy
     * @throws IllegalArgumentException when a region code is not one libphonenumber knows
     */
    public static PhonePolicy of(String defaultRegion, String allowedRegions) {
        Set<String> allowed = allowedRegions == null ? Set.of()
                : Set.of(allowedRegions.trim().isEmpty() ? new String[0] : allowedRegions.trim().split("[,\\s]+"));
        PhonePolicy policy = new PhonePolicy(defaultRegion, allowed);
        Set<String> known = UTIL.getSupportedRegions();
        if (policy.defaultRegion != null && !known.contains(policy.defaultRegion)) {
            throw new IllegalArgumentException("unknown region: " + policy.defaultRegion);
        }
        for (String r : policy.allowedRegions) {
            if (!known.contains(r)) {
                throw new IllegalArgumentException("unknown region: " + r);
            }
        }
        return policy;
    }

    /**
     * Judges what a user typed.
     *
     * @param input raw input, possibly {@code null}
     * @return the E.164 number, or why it was refused; never throws
     */
    public Result check(String input) {
        if (input == null || input.isBlank()) {
            return rejected(Rejection.EMPTY);
        }
        String trimmed = input.strip();
        if (trimmed.length() > MAX_INPUT_LENGTH) {
            return rejected(Rejection.TOO_LONG);
        }
        if (!ALLOWED_CHARACTERS.matcher(trimmed).matches()) {
            return rejected(Rejection.NOT_A_NUMBER);
        }
        if (!trimmed.startsWith("+") && defaultRegion == null) {
            return rejected(Rejection.NEEDS_COUNTRY_CODE);
        }
        PhoneNumber number;
        try {
            number = UTIL.parse(trimmed, defaultRegion == null ? "ZZ" : defaultRegion);
        } catch (NumberParseException e) {
            return rejected(switch (e.getErrorType()) {
                case INVALID_COUNTRY_CODE -> Rejection.NEEDS_COUNTRY_CODE;
                case TOO_LONG -> Rejection.TOO_LONG;
                default -> Rejection.INVALID;
            });
        }
        if (!UTIL.isValidNumber(number)) {
            return rejected(Rejection.INVALID);
        }
        PhoneNumberType type = UTIL.getNumberType(number);
        if (type != PhoneNumberType.MOBILE && type != PhoneNumberType.FIXED_LINE_OR_MOBILE) {
            return rejected(Rejection.NOT_MOBILE);
        }
        String region = UTIL.getRegionCodeForNumber(number);
        if (region == null || NON_GEOGRAPHIC.equals(region)) {
            // Satellite (+881), international networks (+882/+883) and "universal" numbers: no mobile network.
            return rejected(Rejection.NOT_MOBILE);
        }
        if (!allowedRegions.isEmpty() && !allowedRegions.contains(region)) {
            return rejected(Rejection.REGION_NOT_ALLOWED);
        }
        return new Result(UTIL.format(number, PhoneNumberFormat.E164), null);
    }

    private static Result rejected(Rejection rejection) {
        return new Result(null, rejection);
    }
}
