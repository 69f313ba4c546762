package dev.pluginhost.host.discovery;

import dev.pluginhost.host.capability.CapabilityCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;

/**
 * Reads and validates a plugin jar's manifest. The format is PF4J's: {@code Plugin-*} attributes in
 * {@code META-INF/MANIFEST.MF}, written by the plugin's build (see the README).
 */
public final class ManifestReader {

    static final String ID = "Plugin-Id";
    static final String VERSION = "Plugin-Version";
    static final String CLASS = "Plugin-Class";
    static final String REQUIRES = "Plugin-Requires";
    static final String CAPABILITIES = "Plugin-Capabilities";

    private static final Pattern ID_PATTERN = Pattern.compile("[a-z0-9][a-z0-9-]{0,47}");
    private static final Pattern VERSION_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}");
    private static final Pattern CLASS_PATTERN =
            Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");

    private final long maxJarSize;
    private final CapabilityCatalog capabilities;

    public ManifestReader(long maxJarSize, CapabilityCatalog capabilities) {
        this.maxJarSize = maxJarSize;
        this.capabilities = capabilities;
    }

    /**
     * @param jar a file in the plugins folder
     * @return its descriptor
     * @throws InvalidPluginException naming the file and the reason when it is not a valid plugin
     */
    public PluginDescriptor read(Path jar) throws InvalidPluginException {
        try {
            long size = Files.size(jar);
            if (size > maxJarSize) {
                throw new InvalidPluginException(jar, "jar is " + size + " bytes, larger than plugins.max-jar-size ("
                        + maxJarSize + ")");
            }
        } catch (IOException e) {
            throw new InvalidPluginException(jar, "cannot read the file: " + e.getMessage(), e);
        }
        String digest;
        try {
            digest = JarIdentity.digest(jar);
        } catch (IOException e) {
            throw new InvalidPluginException(jar, "cannot read the file: " + e.getMessage(), e);
        }
        // Opened with verification: a signed jar whose entries do not match their signatures is refused here.
        try (JarFile file = new JarFile(jar.toFile(), true)) {
            checkEntries(jar, file);
            Manifest manifest = file.getManifest();
            if (manifest == null) {
                throw new InvalidPluginException(jar, "not a plugin: the jar has no META-INF/MANIFEST.MF");
            }
            PluginDescriptor declared = describe(jar, manifest.getMainAttributes());
            return new PluginDescriptor(declared.id(), declared.version(), declared.pluginClass(),
                    declared.requires(), declared.capabilities(), jar, JarIdentity.of(digest, file));
        } catch (SecurityException e) {
            throw new InvalidPluginException(jar, "its signature does not verify: " + e.getMessage(), e);
        } catch (ZipException e) {
            throw new InvalidPluginException(jar, "not a readable jar (corrupt zip: " + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new InvalidPluginException(jar, "cannot read the jar: " + e.getMessage(), e);
        }
    }

    /**
     * Describes a plugin in development mode, run from its build output ({@code plugins.dev.<id>.classes}) with the
     * settings an operator gave instead of a manifest. Validated like a manifest.
     *
     * @throws InvalidPluginException naming the folder and the setting when something is wrong
     */
    public PluginDescriptor development(String id, Path classes, String pluginClass, List<String> requested)
            throws InvalidPluginException {
        Path where = classes == null ? Path.of("plugins.dev." + id) : classes;
        if (!ID_PATTERN.matcher(id).matches()) {
            throw new InvalidPluginException(where, "plugins.dev." + id + ": '" + id + "' is not a plugin id");
        }
        if (classes == null || !Files.isDirectory(classes)) {
            throw new InvalidPluginException(where, "plugins.dev." + id + ".classes is not a folder of classes");
        }
        if (pluginClass == null || !CLASS_PATTERN.matcher(pluginClass.trim()).matches()) {
            throw new InvalidPluginException(where, "plugins.dev." + id + ".plugin-class is missing or malformed");
        }
        Set<String> capabilities = new LinkedHashSet<>();
        for (String capability : requested) {
            try {
                capabilities.add(this.capabilities.validate(capability).toString());
            } catch (IllegalArgumentException e) {
                throw new InvalidPluginException(where, "plugins.dev." + id + ".capabilities: " + e.getMessage());
            }
        }
        return new PluginDescriptor(id, "dev", pluginClass.trim(), new VersionRange(1, 1),
                Set.copyOf(capabilities), classes.toAbsolutePath());
    }

    /** Entries with '..' or absolute names are how zip-slip attacks start; no honest plugin has them. */
    private static void checkEntries(Path jar, JarFile file) throws InvalidPluginException {
        Enumeration<? extends ZipEntry> entries = file.entries();
        while (entries.hasMoreElements()) {
            String name = entries.nextElement().getName();
            if (name.startsWith("/") || name.startsWith("\\") || name.contains("..") && isTraversal(name)) {
                throw new InvalidPluginException(jar, "unsafe zip entry name '" + name
                        + "' (absolute or containing '..')");
            }
        }
    }

    private static boolean isTraversal(String name) {
        for (String part : name.split("[/\\\\]")) {
            if (part.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private PluginDescriptor describe(Path jar, Attributes attributes) throws InvalidPluginException {
        if (attributes.getValue(ID) == null && attributes.getValue(CLASS) == null) {
            throw new InvalidPluginException(jar, "not a plugin: the manifest has no " + ID + " or " + CLASS
                    + " attribute");
        }
        String id = required(jar, attributes, ID, ID_PATTERN,
                "lower-case letters, digits and '-', at most 48, starting with a letter or digit");
        String version = required(jar, attributes, VERSION, VERSION_PATTERN, "letters, digits, '.', '+', '_', '-'");
        String pluginClass = required(jar, attributes, CLASS, CLASS_PATTERN, "a fully qualified Java class name");
        String requiresText = attributes.getValue(REQUIRES);
        if (requiresText == null || requiresText.isBlank()) {
            throw new InvalidPluginException(jar, REQUIRES + " is missing: declare the plugin contract versions the "
                    + "plugin speaks, e.g. 'Plugin-Requires: 1'");
        }
        VersionRange requires;
        try {
            requires = VersionRange.parse(requiresText);
        } catch (IllegalArgumentException e) {
            throw new InvalidPluginException(jar, REQUIRES + ": " + e.getMessage());
        }
        Set<String> requestedCapabilities = new LinkedHashSet<>();
        String requested = attributes.getValue(CAPABILITIES);
        if (requested != null) {
            for (String name : requested.split(",")) {
                String capability = name.trim();
                if (capability.isEmpty()) {
                    continue;
                }
                try {
                    requestedCapabilities.add(this.capabilities.validate(capability).toString());
                } catch (IllegalArgumentException e) {
                    throw new InvalidPluginException(jar, CAPABILITIES + ": " + e.getMessage());
                }
            }
        }
        return new PluginDescriptor(id, version, pluginClass, requires, Set.copyOf(requestedCapabilities), jar);
    }

    private static String required(Path jar, Attributes attributes, String field, Pattern pattern, String rule)
            throws InvalidPluginException {
        String value = attributes.getValue(field);
        if (value == null || value.isBlank()) {
            throw new InvalidPluginException(jar, field + " is missing from the manifest");
        }
        value = value.trim();
        if (!pattern.matcher(value).matches()) {
            throw new InvalidPluginException(jar, field + " '" + value + "' is malformed: expected " + rule);
        }
        return value;
    }
}
