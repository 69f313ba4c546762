package dev.pluginhost.sdk.contract;

import dev.pluginhost.contract.v1.HandshakeRequest;
import dev.pluginhost.contract.v1.HandshakeResponse;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.Collection;
import java.util.TreeSet;

/** The host's half of the handshake: which contract version both sides speak, and the answer. */
public final class Handshakes {

    private Handshakes() {
    }

    /**
     * @param hostMin oldest contract version the host serves
     * @param hostMax newest contract version the host serves
     * @return the highest version in both the host's range and the plugin's, or -1 when the ranges do not meet
     */
    public static int agreedVersion(int hostMin, int hostMax, HandshakeRequest request) {
        int high = Math.min(hostMax, request.getMaxContractVersion());
        return high >= Math.max(hostMin, request.getMinContractVersion()) ? high : -1;
    }

    /**
     * The version check of a handshake, as every host half makes it.
     *
     * @param plugin the plugin's id, for the refusal
     * @return the {@link #agreedVersion agreed version}
     * @throws StatusException FAILED_PRECONDITION with {@link #noCommonVersion} when the ranges do not meet
     */
    public static int agree(String plugin, int hostMin, int hostMax, HandshakeRequest request)
            throws StatusException {
        int version = agreedVersion(hostMin, hostMax, request);
        if (version < 0) {
            throw Status.FAILED_PRECONDITION.withDescription(noCommonVersion(plugin, hostMin, hostMax, request))
                    .asException();
        }
        return version;
    }

    /** @return the refusal (FAILED_PRECONDITION) when no version fits: it names both ranges */
    public static String noCommonVersion(String plugin, int hostMin, int hostMax, HandshakeRequest request) {
        return "plugin '" + plugin + "' speaks contract versions "
                + range(request.getMinContractVersion(), request.getMaxContractVersion()) + " but this host serves "
                + range(hostMin, hostMax) + ": rebuild the plugin with a matching plugin-sdk";
    }

    /** @return the answer to an accepted handshake; the granted capabilities sorted, for diagnostics */
    public static HandshakeResponse accepted(int version, String sessionToken, String hostVersion,
                                             Collection<String> granted) {
        return HandshakeResponse.newBuilder()
                .setContractVersion(version)
                .setSessionToken(sessionToken)
                .setHostVersion(hostVersion)
                .addAllGrantedCapabilities(new TreeSet<>(granted))
                .build();
    }

    /** @return {@code N} or {@code MIN-MAX}, as {@code Plugin-Requires} writes a range */
    public static String range(int min, int max) {
        return min == max ? Integer.toString(min) : min + "-" + max;
    }
}
