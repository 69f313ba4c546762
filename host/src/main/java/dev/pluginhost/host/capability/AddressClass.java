package dev.pluginhost.host.capability;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * What kind of network an IP address belongs to, for the {@code http} capability: only {@link #GLOBAL} addresses are
 * reachable without a grant naming the address or its range. Anything not known to be global is refused: the
 * ranges are the IANA special-purpose registries (RFC 6890 and successors). The {@link #label} is the bounded
 * {@code reason} of {@code plugin_http_denied_total}.
 */
enum AddressClass {

    GLOBAL("global", "a global address"),
    LOOPBACK("loopback", "a loopback address"),
    LINK_LOCAL("link-local", "a link-local address (cloud metadata services live there)"),
    PRIVATE("private", "a private address"),
    SHARED("shared", "a shared (carrier-grade NAT) address"),
    UNIQUE_LOCAL("unique-local", "a unique-local address"),
    MULTICAST("multicast", "a multicast address"),
    UNSPECIFIED("unspecified", "the unspecified address"),
    RESERVED("reserved", "a reserved, non-global address");

    final String label;
    final String description;

    AddressClass(String label, String description) {
        this.label = label;
        this.description = description;
    }

    /** @return the class of an address; IPv4-mapped and IPv4-compatible IPv6 forms are classed by their IPv4 part */
    static AddressClass of(InetAddress address) {
        InetAddress plain = unmapped(address);
        return plain instanceof Inet4Address ? ofIpv4(plain.getAddress()) : ofIpv6(plain.getAddress());
    }

    /**
     * @return the IPv4 address an IPv4-mapped ({@code ::ffff:a.b.c.d}) IPv6 address stands for, else the address
     *     itself. (The JDK already returns {@code Inet4Address} for mapped literals it parses; addresses built from
     *     bytes elsewhere may still be mapped.)
     */
    static InetAddress unmapped(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address && isZero(bytes, 0, 10) && (bytes[10] & 0xff) == 0xff
                && (bytes[11] & 0xff) == 0xff) {
            try {
                return InetAddress.getByAddress(Arrays.copyOfRange(bytes, 12, 16));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // four bytes are always an IPv4 address
            }
        }
        return address;
    }

    private static AddressClass ofIpv4(byte[] b) {
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        int a2 = b[2] & 0xff;
        if (a0 == 0) {
            return b[1] == 0 && b[2] == 0 && b[3] == 0 ? UNSPECIFIED : RESERVED; // 0.0.0.0/8 "this network"
        }
        if (a0 == 127) {
            return LOOPBACK;
        }
        if (a0 == 169 && a1 == 254) {
            return LINK_LOCAL; // 169.254.169.254: the cloud metadata endpoint
        }
        if (a0 == 10 || a0 == 172 && (a1 & 0xf0) == 16 || a0 == 192 && a1 == 168) {
            return PRIVATE;
        }
        if (a0 == 100 && (a1 & 0xc0) == 64) {
            return SHARED; // 100.64.0.0/10
        }
        if (a0 >= 224 && a0 <= 239) {
            return MULTICAST;
        }
        if (a0 >= 240                                   // 240.0.0.0/4 and the broadcast address
                || a0 == 192 && a1 == 0 && (a2 == 0 || a2 == 2) // protocol assignments, TEST-NET-1
                || a0 == 192 && a1 == 88 && a2 == 99     // 6to4 relay anycast
                || a0 == 198 && (a1 & 0xfe) == 18        // 198.18.0.0/15 benchmarking
                || a0 == 198 && a1 == 51 && a2 == 100    // TEST-NET-2
                || a0 == 203 && a1 == 0 && a2 == 113) {  // TEST-NET-3
            return RESERVED;
        }
        return GLOBAL;
    }

    private static AddressClass ofIpv6(byte[] b) {
        int first = b[0] & 0xff;
        if (isZero(b, 0, 16)) {
            return UNSPECIFIED;
        }
        if (isZero(b, 0, 15) && b[15] == 1) {
            return LOOPBACK;
        }
        if (isZero(b, 0, 12)) {
            // ::a.b.c.d, deprecated IPv4-compatible: some stacks still route it to the IPv4 address.
            AddressClass ipv4 = ofIpv4(Arrays.copyOfRange(b, 12, 16));
            return ipv4 == GLOBAL ? RESERVED : ipv4;
        }
        if (first == 0xff) {
            return MULTICAST;
        }
        if (first == 0xfe && (b[1] & 0xc0) == 0x80) {
            return LINK_LOCAL; // fe80::/10
        }
        if (first == 0xfe && (b[1] & 0xc0) == 0xc0) {
            return PRIVATE; // fec0::/10, deprecated site-local
        }
        if ((first & 0xfe) == 0xfc) {
            return UNIQUE_LOCAL; // fc00::/7
        }
        if ((first & 0xe0) != 0x20) {
            return RESERVED; // outside 2000::/3, the only global unicast block (64:ff9b::/96 NAT64 included)
        }
        int second = b[1] & 0xff;
        if (first == 0x20 && second == 0x01 && (b[2] & 0xfe) == 0     // 2001::/23 protocol assignments (Teredo)
                || first == 0x20 && second == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8 // 2001:db8::/32
                || first == 0x20 && second == 0x02                        // 2002::/16 6to4 embeds an IPv4 address
                || first == 0x3f && second == 0xff && (b[2] & 0xf0) == 0) { // 3fff::/20 documentation
            return RESERVED;
        }
        return GLOBAL;
    }

    private static boolean isZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
