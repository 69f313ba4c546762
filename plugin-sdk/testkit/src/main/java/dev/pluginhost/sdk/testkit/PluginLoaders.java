package dev.pluginhost.sdk.testkit;

import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.runtime.PluginClassLoader;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarFile;

/**
 * The class loader a plugin gets in a test: the runtime's own {@link PluginClassLoader}, so that a plugin sees in its
 * tests exactly what it sees under the host — the SDK's API and the shared libraries (gRPC, protobuf, SLF4J) from
 * the runtime, everything else from its own class path, and its own loader as the context class loader.
 *
 * <p>A plugin's class path here is the test's class path without the entries that hold the SDK (its API, runtime,
 * contract and this kit) or a shared library: those come from the runtime, as under the host. What the kit cannot
 * know is which libraries the plugin's jar will bundle, so a library on the test class path but missing from the
 * shaded jar still works here; and the runtime's own Gson and Guava, hidden under the host, are visible here.
 *
 * <p>One loader per plugin class and test JVM, as the host has one per plugin JVM: statics live across the test
 * methods of a JVM, as they always did in the kit. The JDK's {@code DriverManager} looks for drivers once per JVM,
 * through the context class loader of its first caller: let the plugin make the first JDBC call of the test JVM (a
 * test's own {@code DriverManager} use before it binds the drivers to the test's loader, invisible to the plugin).
 */
final class PluginLoaders {

    private static final Map<Class<?>, PluginClassLoader> LOADERS = new ConcurrentHashMap<>();
    private static volatile List<Path> pluginClassPath;
    /** This kit's own jar (or classes folder): the runtime's side, like the SDK. */
    private static final Path KIT = location(TestHost.class);

    private PluginLoaders() {
    }

    /** @return the plugin's loader, created on first use */
    static ClassLoader of(Class<? extends Plugin> plugin) {
        return LOADERS.computeIfAbsent(plugin, type -> {
            try {
                return PluginClassLoader.of(classPath(), Plugin.class.getClassLoader());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot build the class loader of " + type.getName(), e);
            }
        });
    }

    /** The test class path minus the entries that hold the SDK or a package the runtime shares. */
    static List<Path> classPath() {
        List<Path> result = pluginClassPath;
        if (result == null) {
            List<Path> entries = new ArrayList<>();
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                if (!entry.isEmpty() && !fromRuntime(Path.of(entry))) {
                    entries.add(Path.of(entry));
                }
            }
            pluginClassPath = result = List.copyOf(entries);
        }
        return result;
    }

    private static Path location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    private static boolean fromRuntime(Path entry) {
        if (entry.equals(KIT)) {
            return true;
        }
        List<String> folders = new ArrayList<>();
        folders.add("dev/pluginhost/sdk/runtime/"); // the SDK (its API is in the same jar)
        folders.add("dev/pluginhost/contract/");
        PluginClassLoader.sharedPackages().forEach(p -> folders.add(p.replace('.', '/')));
        if (Files.isDirectory(entry)) {
            return folders.stream().anyMatch(folder -> Files.isDirectory(entry.resolve(folder)));
        }
        if (!Files.isRegularFile(entry)) {
            return false;
        }
        try (JarFile jar = new JarFile(entry.toFile())) {
            return jar.stream().anyMatch(e -> folders.stream().anyMatch(f -> e.getName().startsWith(f)));
        } catch (IOException e) {
            return false; // not a jar: the JVM ignores it too
        }
    }
}
