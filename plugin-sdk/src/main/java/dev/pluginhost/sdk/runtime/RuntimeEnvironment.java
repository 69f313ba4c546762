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
 * @param socket {@code PLUGIN_SOCKET}: the Unix socket the host serves this plugin on
 * @param launchSecret one-time secret for the handshake: read once from the descriptor {@code PLUGIN_LAUNCH_SECRET_FD}
 *                     names (the host's launcher writes it there, so that it is neither on a command line nor in
 *                     this JVM's /proc/self/environ), or {@code PLUGIN_LAUNCH_SECRET} for in-process use (the test
 *                     kit, class-data-sharing training)
 * @param dataDirectory {@code PLUGIN_DATA_DIR}: the plugin's persistent directory
 */
public record RuntimeEnvironment(String pluginId, String pluginVersion, String pluginClass, Path pluginJar,
                                 Path socket, String launchSecret, Path dataDirectory) {

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

    /**
     * Reads the environment, failing with a message that names every missing variable.
     *
     * @param env the process environment
     * @return the runtime environment
     */
    public static RuntimeEnvironment from(Map<String, String> env) {
        StringBuilder missing = new StringBuilder();
        for (String name : new String[] {ID, VERSION, CLASS, JAR, SOCKET, SECRET, DATA_DIR}) {
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
        return new RuntimeEnvironment(env.get(ID), env.get(VERSION), env.get(CLASS), Path.of(env.get(JAR)),
                Path.of(env.get(SOCKET)), secret, Path.of(env.get(DATA_DIR)));
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
