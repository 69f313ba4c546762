package dev.pluginhost.sdk.runtime;

import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the host tells a plugin JVM at launch, through environment variables (the launcher gives the JVM nothing else
 * from the host's environment) and, for the launch secret, one inherited descriptor. This record is the runtime's half of that contract; the host writes the same names.
 *
 * @param pluginId {@code PLUGIN_ID}
 * @param pluginVersion {@code PLUGIN_VERSION}
 * @param pluginClass {@code PLUGIN_CLASS}: the entry class from the manifest
 * @param pluginJar {@code PLUGIN_JAR}: the plugin's jar
 * @param socket {@code PLUGIN_SOCKET}: the Unix socket the host serves this plugin on; null when the launcher hands
 *               the connection over as {@code hostFd}
 * @param launchSecret one-time secret for the handshake: read once from the descriptor {@code PLUGIN_LAUNCH_SECRET_FD}
 *                     names (the host's launcher writes it there, so that it is neither on a command line nor in
 *                     this JVM's /proc/self/environ), or {@code PLUGIN_LAUNCH_SECRET} for in-process use (the test
 *                     kit, class-data-sharing training)
 * @param dataDirectory {@code PLUGIN_DATA_DIR}: the plugin's persistent directory
 * @param hostFd {@code PLUGIN_HOST_FD}: the descriptor of the host connection the launcher made and this JVM
 *               inherited (the plugin's policy refuses socket and connect), or -1 to connect to {@code socket}
 */
public record RuntimeEnvironment(String pluginId, String pluginVersion, String pluginClass, Path pluginJar,
                                 Path socket, String launchSecret, Path dataDirectory, int hostFd) {

    /** Environment variable names, shared with the host. */
    public static final String ID = "PLUGIN_ID";
    /** See {@link #pluginVersion()}. */
    public static final String VERSION = "PLUGIN_VERSION";
    /** See {@link #pluginClass()}. */
    public static final String CLASS = "PLUGIN_CLASS";
    /** See {@link #pluginJar()}. */
    public static final String JAR = "PLUGIN_JAR";
    /** See {@link #socket()}. */
    public static final String SOCKET = "PLUGIN_SOCKET";
    /** See {@link #launchSecret()}. */
    public static final String SECRET = "PLUGIN_LAUNCH_SECRET";
    /** See {@link #launchSecret()}: the number of the descriptor holding it. */
    public static final String SECRET_FD = SECRET + "_FD";
    /** See {@link #dataDirectory()}. */
    public static final String DATA_DIR = "PLUGIN_DATA_DIR";
    /** See {@link #hostFd()}. */
    public static final String HOST_FD = "PLUGIN_HOST_FD";
    /**
     * Set (to {@code 1}) for a standby launch: the JVM boots and shakes hands, and the host answers the handshake only
     * when it starts the plugin, so the runtime waits for that answer without a deadline.
     */
    public static final String STANDBY = "PLUGIN_STANDBY";

    /** Without an inherited host connection: the runtime connects to {@code socket} itself. */
    public RuntimeEnvironment(String pluginId, String pluginVersion, String pluginClass, Path pluginJar, Path socket,
                              String launchSecret, Path dataDirectory) {
        this(pluginId, pluginVersion, pluginClass, pluginJar, socket, launchSecret, dataDirectory, -1);
    }

    /**
     * Reads the environment, failing with a message that names every missing variable.
     *
     * @param env the process environment
     * @return the runtime environment
     */
    public static RuntimeEnvironment from(Map<String, String> env) {
        StringBuilder missing = new StringBuilder();
        for (String name : new String[] {ID, VERSION, CLASS, JAR, SOCKET, SECRET, DATA_DIR}) {
            if (name.equals(SOCKET) && env.containsKey(HOST_FD)) {
                continue;
            }
            String value = env.get(name.equals(SECRET) && env.containsKey(SECRET_FD) ? SECRET_FD : name);
            if (value == null || value.isBlank()) {
                missing.append(missing.length() == 0 ? "" : ", ").append(name.equals(SECRET) ? SECRET_FD : name);
            }
        }
        if (missing.length() > 0) {
            throw new IllegalStateException("not started by a plugin host: missing environment variable(s) " + missing
                    + " (plugins run under the host or the SDK test kit, not on their own)");
        }
        String secret = env.containsKey(SECRET_FD) ? readSecret(env.get(SECRET_FD)) : env.get(SECRET);
        int hostFd = env.containsKey(HOST_FD) ? descriptor(HOST_FD, env.get(HOST_FD)) : -1;
        return new RuntimeEnvironment(env.get(ID), env.get(VERSION), env.get(CLASS), Path.of(env.get(JAR)),
                hostFd >= 0 ? null : Path.of(env.get(SOCKET)), secret, Path.of(env.get(DATA_DIR)), hostFd);
    }

    private static int descriptor(String name, String value) {
        try {
            int fd = Integer.parseInt(value.strip());
            if (fd >= 0) {
                return fd;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalStateException(name + " '" + value + "' is not a descriptor number");
    }

    /**
     * Reads the launch secret from the descriptor the launcher wrote it to (a pipe whose write end is closed), then
     * closes the descriptor. Reading empties the pipe: nothing the plugin's own code runs later can read it again.
     */
    static String readSecret(String fdNumber) {
        int fd;
        try {
            fd = Integer.parseInt(fdNumber.strip());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(SECRET_FD + " '" + fdNumber + "' is not a descriptor number");
        }
        byte[] secret;
        try {
            // A new open of the same pipe: Java cannot read a raw descriptor number otherwise.
            secret = Files.readAllBytes(Path.of("/proc/self/fd/" + fd));
        } catch (IOException e) {
            throw new IllegalStateException(SECRET_FD + "=" + fd + ": cannot read the launch secret: " + e, e);
        }
        closeDescriptor(fd);
        if (secret.length == 0) {
            throw new IllegalStateException(SECRET_FD + "=" + fd + " held no launch secret (read twice?)");
        }
        return new String(secret, StandardCharsets.US_ASCII);
    }

    /** Closes a raw descriptor through Netty's native transport (the runtime's own socket transport). */
    private static void closeDescriptor(int fd) {
        try {
            Epoll.ensureAvailability();
            new FileDescriptor(fd).close();
        } catch (IOException | RuntimeException | LinkageError e) {
            // Left open: it holds an empty pipe whose write end is closed, so nothing can be read from it.
            System.err.println("plugin runtime: could not close " + SECRET_FD + " " + fd + ": " + e);
        }
    }
}
