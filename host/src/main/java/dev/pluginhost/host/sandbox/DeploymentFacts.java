package dev.pluginhost.host.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the machine and the host's own process say about why an isolation layer may be missing: the real causes an
 * operator can act on (an inherited seccomp filter from a container runtime, a capability the container dropped, the
 * user-namespace sysctls). Read once at host start from {@code /proc}; nothing here changes the sandbox, it explains it.
 *
 * @param seccompFilters seccomp filters the host itself runs under (0 outside a container runtime's profile)
 * @param capSysAdmin whether the host's effective capabilities hold CAP_SYS_ADMIN
 * @param root whether the host runs as uid 0
 * @param sysctls the user-namespace knobs that exist on this kernel, with their values
 */
public record DeploymentFacts(int seccompFilters, boolean capSysAdmin, boolean root, Map<String, String> sysctls) {

    private static final int CAP_SYS_ADMIN = 21;

    /** The knobs distributions use to turn unprivileged user namespaces off, and the value that turns them off. */
    private static final Map<String, String> USERNS_OFF = Map.of(
            "user.max_user_namespaces", "0",
            "kernel.unprivileged_userns_clone", "0",
            "kernel.apparmor_restrict_unprivileged_userns", "1");

    /** Reads the facts of the running host. */
    public static DeploymentFacts read() {
        Map<String, String> status = status(Path.of("/proc/self/status"));
        Map<String, String> sysctls = new TreeMap<>();
        for (String name : USERNS_OFF.keySet()) {
            sysctl(name).ifPresent(v -> sysctls.put(name, v));
        }
        long caps = parseHex(status.getOrDefault("CapEff", "0"));
        return new DeploymentFacts(parseInt(status.getOrDefault("Seccomp_filters", "0")),
                (caps >>> CAP_SYS_ADMIN & 1) == 1, "0".equals(firstField(status.getOrDefault("Uid", "")).orElse("")),
                sysctls);
    }

    /** @return one sentence per fact that weakens the sandbox here; empty on a machine where nothing does */
    public List<String> causes() {
        List<String> causes = new ArrayList<>();
        if (seccompFilters > 0) {
            causes.add("the host runs under " + seccompFilters + " inherited seccomp filter(s) (a container runtime's "
                    + "profile): calls that profile refuses are answered before the plugin's own filter and are not "
                    + "reported as violations (docs/deploy)");
        }
        if (root && !capSysAdmin) {
            causes.add("the host is root without CAP_SYS_ADMIN (a container's default capability set): it cannot "
                    + "create namespaces or mounts without a user namespace");
        }
        USERNS_OFF.forEach((name, off) -> {
            if (off.equals(sysctls.get(name))) {
                causes.add(name.equals("kernel.apparmor_restrict_unprivileged_userns")
                        ? "AppArmor restricts unprivileged user namespaces (" + name + "=1): a namespace can be "
                        + "created but not mapped"
                        : "unprivileged user namespaces are off (" + name + "=" + off + ")");
            }
        });
        return causes;
    }

    private static Map<String, String> status(Path file) {
        Map<String, String> fields = new TreeMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
                }
            }
        } catch (IOException e) {
            // not Linux, or /proc hidden: no facts, the launcher's own reasons still stand
        }
        return fields;
    }

    private static Optional<String> sysctl(String name) {
        try {
            return Optional.of(Files.readString(Path.of("/proc/sys", name.replace('.', '/'))).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> firstField(String value) {
        String[] parts = value.trim().split("\\s+");
        return parts.length == 0 || parts[0].isEmpty() ? Optional.empty() : Optional.of(parts[0]);
    }

    private static int parseInt(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static long parseHex(String value) {
        try {
            return Long.parseUnsignedLong(value.trim(), 16);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
