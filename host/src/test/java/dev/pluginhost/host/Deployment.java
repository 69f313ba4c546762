package dev.pluginhost.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where operators run the host, emulated on this (root) machine: the real host process, started under the real
 * conditions of each place, by the scripts in {@code src/test/resources/deploy}. An ordinary uid is 1001, never 65534
 * (the plugin uid of a root host, for which uid bugs are invisible).
 */
enum Deployment {
    /** The easy case: root on a VM. */
    ROOT("root", false),
    /** A service account on a VM (Debian, Fedora, RHEL defaults: unprivileged user namespaces allowed). */
    SERVICE_ACCOUNT("uid 1001, user namespaces allowed", true),
    /** A hardened distribution where unprivileged user namespaces are off. */
    HARDENED("uid 1001, no user namespaces", true),
    /** A default container, root inside: the runtime's capability set and default seccomp profile. */
    CONTAINER("default container, root inside", false),
    /** A Kubernetes pod with runAsNonRoot and the runtime's default seccomp profile. */
    POD("pod as uid 1001, runtime default profile", true),
    /** A pod as uid 1001 with the host profile of docs/deploy (docs/deploy/host-seccomp.json). */
    POD_WITH_HOST_PROFILE("pod as uid 1001, docs/deploy profile", true);

    static final int UID = 1001;

    final String description;
    final boolean unprivileged;

    Deployment(String description, boolean unprivileged) {
        this.description = description;
        this.unprivileged = unprivileged;
    }

    /**
     * The command that runs {@code command} in this deployment.
     *
     * @param scripts a folder to put the harness scripts in (readable by uid 1001)
     * @param env the environment of the command, to which the harness adds its settings
     */
    List<String> wrap(List<String> command, Path scripts, Map<String, String> env) throws IOException {
        List<String> wrapped = new ArrayList<>();
        switch (this) {
            case ROOT -> { }
            case SERVICE_ACCOUNT -> wrapped.addAll(List.of("setpriv", "--reuid=" + UID, "--regid=" + UID,
                    "--clear-groups", "--inh-caps=-all"));
            // The launcher's own tests' harness (NonRootLauncherTest): one copy of the emulation.
            case HARDENED -> wrapped.addAll(List.of("/usr/bin/python3",
                    repo().resolve("sandbox-launcher/src/test/resources/envs/no-userns.py").toString(),
                    Integer.toString(UID)));
            case CONTAINER, POD, POD_WITH_HOST_PROFILE -> {
                script(scripts, "runtime-seccomp-exec");
                wrapped.addAll(List.of("bash", script(scripts, "container").toString()));
                // Copied beside the scripts: uid 1001 may not be able to reach the checkout.
                Path profile = this == POD_WITH_HOST_PROFILE ? hostProfile() : dockerProfile();
                env.put("PROFILE", Files.copy(profile, scripts.resolve(profile.getFileName()),
                        StandardCopyOption.REPLACE_EXISTING).toString());
                if (this != CONTAINER) {
                    env.put("AS_UID", Integer.toString(UID));
                }
            }
            default -> throw new IllegalStateException(name());
        }
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * @return why this deployment cannot be emulated on this machine, or null when it can (the harness needs root,
     *     util-linux's setpriv and unshare, and Debian's python3-seccomp for the container profiles)
     */
    static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "the emulation needs root (it runs as " + System.getProperty("user.name") + ")";
        }
        if (!Files.isExecutable(Path.of("/usr/bin/setpriv")) || !Files.isExecutable(Path.of("/usr/bin/unshare"))) {
            return "util-linux's setpriv and unshare are missing";
        }
        if (!Files.isDirectory(Path.of("/usr/lib/python3/dist-packages")) || !pythonSeccomp()) {
            return "Debian's python3-seccomp is missing (apt-get install python3-seccomp)";
        }
        return null;
    }

    private static boolean pythonSeccomp() {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import seccomp").redirectErrorStream(true)
                    .start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The profile the deployment guide ships, from the checkout. */
    static Path hostProfile() {
        Path profile = repo().resolve("docs/deploy/host-seccomp.json");
        if (!Files.isRegularFile(profile)) {
            throw new IllegalStateException("the deployment guide's profile is missing: " + profile);
        }
        return profile;
    }

    /** Docker's default profile, the copy the sandbox-launcher's tests carry. */
    static Path dockerProfile() {
        return repo().resolve("sandbox-launcher/src/test/resources/dev/pluginhost/sandbox/oci/"
                + "docker-default-seccomp.json");
    }

    static Path repo() {
        return Path.of(System.getProperty("repo.dir", "..")).toAbsolutePath().normalize();
    }

    private static Path script(Path scripts, String name) throws IOException {
        Path target = scripts.resolve(name);
        String resource = "/deploy/" + name;
        try (InputStream in = Deployment.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("test resource " + resource + " is missing");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }
}
