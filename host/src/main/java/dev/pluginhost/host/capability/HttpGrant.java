package dev.pluginhost.host.capability;

import dev.pluginhost.sdk.contract.Scopes;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scope of one {@code http} grant: {@code HOST} or {@code HOST:PORT}, where HOST is a host name pattern
 * ({@code api.example.com}, {@code *.example.com}, {@code *}), an IPv4 address or range ({@code 10.1.2.3},
 * {@code 10.0.0.0/8}) or an IPv6 address or range in brackets ({@code [fd00::1]}, {@code [fd00::/8]}). Without a
 * port, only ports 80 and 443 are admitted.
 *
 * <p>Only an address or range grant admits a non-global address (loopback, private, link-local, ...): a name grant
 * admits a name, never what the name's owner makes it resolve to.
 */
final class HttpGrant {

    private static final Pattern SCOPE = Pattern.compile(
            "(?<v4>\\d{1,3}(?:\\.\\d{1,3}){3})(?:/(?<v4prefix>\\d{1,2}))?"
                    + "|(?<name>[A-Za-z0-9*][A-Za-z0-9.*_-]{0,252})"
                    + "|\\[(?<v6>[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)(?:/(?<v6prefix>\\d{1,3}))?]");
    private static final Pattern PORT = Pattern.compile("[1-9]\\d{0,4}");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");

    /** A host name pattern, or null for an address grant. */
    private final String name;
    /** The network of an address grant (4 or 16 bytes), or null for a name grant. */
    private final byte[] network;
    private final int prefix;
    /** The one port admitted, or -1 for 80 and 443. */
    private final int port;

    private HttpGrant(String name, byte[] network, int prefix, int port) {
        this.name = name;
        this.network = network;
        this.prefix = prefix;
        this.port = port;
    }

    /**
     * @param scope what follows {@code http:} in a grant
     * @throws IllegalArgumentException naming the scope and what is wrong with it
     */
    static HttpGrant parse(String scope) {
        int colon = scope.startsWith("[") ? scope.indexOf(':', Math.max(scope.indexOf(']'), 0)) : scope.indexOf(':');
        String host = colon < 0 ? scope : scope.substring(0, colon);
        int port = -1;
        if (colon >= 0) {
            String text = scope.substring(colon + 1);
            if (!PORT.matcher(text).matches() || Integer.parseInt(text) > 65535) {
                throw invalid(scope, "the port must be a number from 1 to 65535");
            }
            port = Integer.parseInt(text);
        }
        Matcher m = SCOPE.matcher(host);
        if (!m.matches()) {
            throw invalid(scope, "write a host name pattern, an IPv4 address or range, or an IPv6 address or range "
                    + "in brackets, optionally followed by :PORT");
        }
        if (m.group("name") != null) {
            return new HttpGrant(host.toLowerCase(java.util.Locale.ROOT), null, 0, port);
        }
        byte[] address = m.group("v4") != null ? ipv4(m.group("v4")) : ipv6(m.group("v6"));
        if (address == null) {
            throw invalid(scope, "'" + host + "' is not an IP address");
        }
        String prefixText = m.group("v4") != null ? m.group("v4prefix") : m.group("v6prefix");
        int prefix = prefixText == null ? address.length * 8 : Integer.parseInt(prefixText);
        if (prefix > address.length * 8) {
            throw invalid(scope, "the prefix length must be at most " + address.length * 8);
        }
        if (!isNetwork(address, prefix)) {
            throw invalid(scope, "bits are set beyond the /" + prefix + " prefix");
        }
        return new HttpGrant(null, address, prefix, port);
    }

    private static IllegalArgumentException invalid(String scope, String why) {
        return new IllegalArgumentException("'http:" + scope + "' is not an http grant: " + why
                + ", e.g. http:api.example.com, http:api.example.com:8443, http:10.0.0.0/8, http:[fd00::1]:8080");
    }

    /** @return whether this grant admits the port (a grant without a port admits 80 and 443) */
    boolean admitsPort(int requested) {
        return port < 0 ? requested == 80 || requested == 443 : requested == port;
    }

    /**
     * @param host a URL's host, lower case, IPv6 literals without brackets
     * @return whether this grant admits a URL naming that host: a name pattern admits matching names, an address
     *     grant admits IP literals inside it
     */
    boolean admitsHost(String host) {
        if (name != null) {
            return Scopes.admits(name, host);
        }
        byte[] literal = literal(host);
        return literal != null && contains(literal);
    }

    /** @return whether this is an address grant containing the address (IPv4-mapped forms count as IPv4) */
    boolean admitsAddress(InetAddress address) {
        return network != null && contains(AddressClass.unmapped(address).getAddress());
    }

    private boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((address[bit / 8] & mask) != (network[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isNetwork(byte[] address, int prefix) {
        for (int bit = prefix; bit < address.length * 8; bit++) {
            if ((address[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * @return the bytes of an IP literal as a URL writes it (dotted IPv4, or IPv6 with a colon), IPv4-mapped IPv6
     *     as IPv4; null for anything else. Never looks a name up.
     */
    static byte[] literal(String host) {
        if (IPV4.matcher(host).matches()) {
            return ipv4(host);
        }
        byte[] v6 = host.contains(":") && host.matches("[0-9A-Fa-f:.]+") ? ipv6(host) : null;
        if (v6 == null) {
            return null;
        }
        try {
            return AddressClass.unmapped(InetAddress.getByAddress(v6)).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] ipv4(String dotted) {
        String[] parts = dotted.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int value = Integer.parseInt(parts[i]);
            if (value > 255 || parts[i].length() > 1 && parts[i].startsWith("0")) {
                return null; // leading zeros read as octal by some resolvers: refuse the ambiguity
            }
            bytes[i] = (byte) value;
        }
        return bytes;
    }

    private static byte[] ipv6(String text) {
        try {
            // With brackets the JDK parses a literal and never resolves a name; it gives IPv4-mapped forms as IPv4.
            return InetAddress.getByName("[" + text + "]").getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** @return how a grant names this address: {@code 10.1.2.3} or {@code [fd00::1]} */
    static String grantHost(InetAddress address) {
        InetAddress plain = AddressClass.unmapped(address);
        String text = plain.getHostAddress();
        int zone = text.indexOf('%');
        text = zone < 0 ? text : text.substring(0, zone);
        return plain instanceof Inet6Address ? "[" + text + "]" : text;
    }
}
