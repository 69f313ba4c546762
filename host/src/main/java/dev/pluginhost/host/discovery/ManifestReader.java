package dev.pluginhost.host.discovery;

import dev.pluginhost.host.capability.CapabilityCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

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

    /** Past these a jar is a zip bomb, not a plugin: an honest jar compresses its classes 2 to 5 times. */
    static final int EXPANSION = 16;
    static final int MAX_ENTRIES = 100_000;
    static final int MAX_MANIFEST_BYTES = 1024 * 1024;

    private final long maxJarSize;
    private final CapabilityCatalog capabilities;

    public ManifestReader(long maxJarSize, CapabilityCatalog capabilities) {
        this.maxJarSize = maxJarSize;
        this.capabilities = capabilities;
    }

    /** @return the most bytes a jar of at most {@code maxJarSize} bytes may expand to */
    static long maxExpandedSize(long maxJarSize) {
        return maxJarSize > Long.MAX_VALUE / EXPANSION ? Long.MAX_VALUE : maxJarSize * EXPANSION;
    }

    /**
     * @param jar a file in the plugins folder
     * @return its descriptor
     * @throws InvalidPluginException naming the file and the reason when it is not a valid plugin
     */
    public PluginDescriptor read(Path jar) throws InvalidPluginException {
        try {
            // Followed if it is a link (a link to a jar is a jar). Anything but a regular file is refused before it is
            // opened: opening a FIFO waits for a writer (at start, on the main thread: no plugin would ever start),
            // and a device such as /dev/zero never ends. A swap between this check and the reads below needs a writer
            // of the folder, who can remove the jars anyway.
            BasicFileAttributes attributes = Files.readAttributes(jar, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                throw new InvalidPluginException(jar, "not a regular file (a FIFO, a device, a socket or a folder): "
                        + "a plugin is a jar file");
            }
            long size = attributes.size();
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
            checkArchive(jar);
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

    /**
     * Reads the jar as a plain zip, every entry to its end, before anything reads it as a jar (the JDK reads a jar's
     * manifest whole, into memory, and the digest and signature check read every entry): what it finds is what the
     * bytes are, not what the zip's directory claims. Refused: entries with '..' or absolute names (how zip-slip
     * attacks start), two entries of one name (readers disagree on which one counts: a signature check may see one
     * and the class loader the other), more than {@link #MAX_ENTRIES} entries, a manifest over
     * {@link #MAX_MANIFEST_BYTES}, and a jar expanding past {@link #maxExpandedSize} (a zip bomb).
     */
    private void checkArchive(Path jar) throws InvalidPluginException, IOException {
        long budget = maxExpandedSize(maxJarSize);
        Set<String> names = new HashSet<>();
        byte[] buffer = new byte[16 * 1024];
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                String name = entry.getName();
                if (names.size() == MAX_ENTRIES) {
                    throw new InvalidPluginException(jar, "more than " + MAX_ENTRIES + " zip entries");
                }
                if (name.startsWith("/") || name.startsWith("\\") || name.contains("..") && isTraversal(name)) {
                    throw new InvalidPluginException(jar, "unsafe zip entry name '" + shown(name)
                            + "' (absolute or containing '..')");
                }
                if (!names.add(name)) {
                    throw new InvalidPluginException(jar, "two zip entries are named '" + shown(name) + "'");
                }
                boolean manifest = name.equalsIgnoreCase(JarFile.MANIFEST_NAME);
                long allowed = manifest ? Math.min(MAX_MANIFEST_BYTES, budget) : budget;
                long read = 0;
                try (InputStream in = zip.getInputStream(entry)) {
                    for (int n; (n = in.read(buffer)) >= 0 && read <= allowed; ) {
                        read += n;
                    }
                }
                if (read > allowed) {
                    throw new InvalidPluginException(jar, manifest
                            ? "its manifest is larger than " + MAX_MANIFEST_BYTES + " bytes"
                            : "it expands to more than " + maxExpandedSize(maxJarSize) + " bytes (" + EXPANSION
                                    + " times plugins.max-jar-size): a zip bomb, not a plugin");
                }
                budget -= read;
            }
        }
    }

    /** An entry name as a message shows it: bounded, control characters escaped. */
    private static String shown(String name) {
        String cut = name.length() > 200 ? name.substring(0, 200) + "..." : name;
        StringBuilder sb = new StringBuilder();
        cut.codePoints().forEach(c -> sb.append(Character.isISOControl(c) ? String.format("\\u%04x", c)
                : new String(Character.toChars(c))));
        return sb.toString();
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
