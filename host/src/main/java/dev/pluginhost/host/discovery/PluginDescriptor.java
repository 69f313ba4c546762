package dev.pluginhost.host.discovery;

import java.nio.file.Path;
import java.util.Set;

/**
 * What a plugin jar's manifest declares, validated, and what the jar is.
 *
 * @param id {@code Plugin-Id}: lower-case letters, digits and '-'
 * @param version {@code Plugin-Version}
 * @param pluginClass {@code Plugin-Class}: the entry class implementing {@code dev.pluginhost.sdk.Plugin}
 * @param requires {@code Plugin-Requires}: the plugin contract versions it can speak
 * @param capabilities {@code Plugin-Capabilities}: the capabilities it requests
 * @param jar the jar file
 * @param identity the jar's digest and signer; null in development mode (a folder of classes)
 */
public record PluginDescriptor(String id, String version, String pluginClass, VersionRange requires,
                               Set<String> capabilities, Path jar, JarIdentity identity) {

    /** A plugin without a jar identity (development mode). */
    public PluginDescriptor(String id, String version, String pluginClass, VersionRange requires,
                            Set<String> capabilities, Path jar) {
        this(id, version, pluginClass, requires, capabilities, jar, null);
    }

    /** @return whether {@code other} declares the same and is the same bytes, wherever its file is */
    public boolean sameAs(PluginDescriptor other) {
        return id.equals(other.id) && version.equals(other.version) && pluginClass.equals(other.pluginClass)
                && requires.equals(other.requires) && capabilities.equals(other.capabilities)
                && identity != null && other.identity != null && identity.digest().equals(other.identity.digest());
    }
}
