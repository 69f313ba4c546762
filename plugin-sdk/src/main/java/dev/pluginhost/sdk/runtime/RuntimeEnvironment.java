package dev.pluginhost.sdk.runtime;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the host tells a plugin JVM at launch, through environment variables (the launcher gives the JVM nothing else
 * from the host's environment). This record is the runtime's half of that contract; the host writes the same names.
 *
 * @param pluginId {@code PLUGIN_ID}
 * @param pluginVersion {@code PLUGIN_VERSION}
 * @param pluginClass {@code PLUGIN_CLASS}: the entry class from the manifest
 * @param pluginJar {@code PLUGIN_JAR}: the plugin's jar
 * @param socket {@code PLUGIN_SOCKET}: the Unix socket the host serves this plugin on
 * @param launchSecret {@code PLUGIN_LAUNCH_SECRET}: one-time secret for the handshake
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
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                missing.append(missing.length() == 0 ? "" : ", ").append(name);
            }
        }
        if (missing.length() > 0) {
            throw new IllegalStateException("not started by a plugin host: missing environment variable(s) " + missing
                    + " (plugins run under the host or the SDK test kit, not on their own)");
        }
        return new RuntimeEnvironment(env.get(ID), env.get(VERSION), env.get(CLASS), Path.of(env.get(JAR)),
                Path.of(env.get(SOCKET)), env.get(SECRET), Path.of(env.get(DATA_DIR)));
    }
}
