package io.twostep.keycloak.limits;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * What the per-address SMS budget counts by, and what a login's note of a budget's refusal is kept for: an IPv4
 * address as it is, an IPv6 address by its /64 network, the smallest block a provider hands one subscriber (RFC 6177
 * §2), so that the 2^64 addresses of a single connection do not each get a budget (or a refusal) of their own.
 */
public final class ClientNetwork {

    /**
     * The characters of an IPv6 literal (with an IPv4 tail and a zone, e.g. {@code fe80::1%eth0}), starting as the
     * JDK's literal parser expects (a hex digit or ':').
     */
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*(%[\\w.-]+)?");

    private ClientNetwork() {
    }

    /**
     * An IPv4 address mapped into IPv6 ({@code ::ffff:a.b.c.d}) counts as the IPv4 address. No DNS look-up: only
     * text made of hex digits, ':' and '.' is parsed.
     *
     * @param clientIp the client's address as Keycloak resolved it, possibly {@code null}
     * @return {@code a.b.c.d}, {@code <first 8 bytes in hex>/64}, or the text as given ({@code "null"} for
     *         {@code null}) when it is not an IP literal
     */
    public static String of(String clientIp) {
        if (clientIp == null || clientIp.indexOf(':') < 0 || !IPV6_LITERAL.matcher(clientIp).matches()) {
            return String.valueOf(clientIp);
        }
        try {
            // Hex digits, ':' and '.' only: the JDK reads it as a literal and never asks DNS.
            InetAddress address = InetAddress.getByName(clientIp);
            if (address instanceof Inet6Address) {
                return HexFormat.of().formatHex(address.getAddress(), 0, 8) + "/64";
            }
            return address.getHostAddress();
        } catch (UnknownHostException e) {
            return clientIp;
        }
    }
}
