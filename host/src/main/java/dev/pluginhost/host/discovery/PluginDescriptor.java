package dev.pluginhost.host.discovery;

import java.nio.file.Path;
import java.util.Set;

/**
 * What a plugin jar's manifest declares, validated.
 *
 * @param id {@code Plugin-Id}: lower-case letters, digits and '-'
 * @param version {@code Plugin-Version}
 * @param pluginClass {@code Plugin-Class}: the entry class implementing {@code dev.pluginhost.sdk.Plugin}
 * @param requires {@code Plugin-Requires}: the plugin contract versions it can speak
 * @param capabilities {@code Plugin-Capabilities}: the capabilities it requests
 * @param jar the jar file
 */
public record PluginDescriptor(String id, String version, String pluginClass, VersionRange requires,
                               Set<String> capabilities, Path jar) {
}
