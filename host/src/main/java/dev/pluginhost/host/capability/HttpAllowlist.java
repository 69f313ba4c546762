package dev.pluginhost.host.capability;

import java.net.InetAddress;
import java.util.List;

/**
 * One plugin's {@code http} grants, applied in the order the host checks a request: the URL's host, its port, then
 * every address the host resolved the host to. A name grant ({@code http:api.example.com}) admits the name on ports
 * 80 and 443, and only global addresses behind it; a non-global address (loopback, private, link-local, ...) needs
 * a grant naming that address or its range ({@code http:127.0.0.1:8080}, {@code http:10.0.0.0/8}), with the port.
 * So whoever controls a granted name's DNS cannot point it at the host itself, its network or a metadata service.
 */
final class HttpAllowlist {

    /**
     * Why a request was refused.
     *
     * @param reason bounded: {@code port} or an {@link AddressClass} label
     * @param message what the plugin is told, with the grant that would allow it
     */
    record Refusal(String reason, String message) {
    }

    private final List<HttpGrant> grants;

    /** @param scopes the scopes of the plugin's effective {@code http} grants */
    HttpAllowlist(List<String> scopes) {
        this.grants = scopes.stream().map(HttpGrant::parse).toList();
    }

    /** @param host a URL's host, lower case, IPv6 literals without brackets */
    boolean admitsHost(String host) {
        return grants.stream().anyMatch(g -> g.admitsHost(host));
    }

    /** @return null when a grant admitting the host admits the port too, else the refusal */
    Refusal checkPort(String host, int port) {
        if (grants.stream().anyMatch(g -> g.admitsHost(host) && g.admitsPort(port))) {
            return null;
        }
        String named = host.contains(":") ? "[" + host + "]" : host;
        return new Refusal("port", "port " + port + " of " + named + " is not granted (a grant without a port admits "
                + "80 and 443); grant http:" + named + ":" + port + " to allow it");
    }

    /**
     * @param address one of the addresses the host resolved {@code host} to
     * @return null when the address is global or an address grant admits it with the port, else the refusal
     */
    Refusal checkAddress(String host, InetAddress address, int port) {
        AddressClass kind = AddressClass.of(address);
        if (kind == AddressClass.GLOBAL
                || grants.stream().anyMatch(g -> g.admitsAddress(address) && g.admitsPort(port))) {
            return null;
        }
        String grantHost = HttpGrant.grantHost(address);
        String shown = grantHost.startsWith("[") ? grantHost.substring(1, grantHost.length() - 1) : grantHost;
        String subject = HttpGrant.literal(host) != null ? shown + " is " : host + " resolves to " + shown + ", ";
        String grant = "http:" + grantHost + (port == 80 || port == 443 ? "" : ":" + port);
        return new Refusal(kind.label, subject + kind.description + "; grant " + grant + " to allow it");
    }
}
