package dev.pluginhost.sdk.runtime;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * Loads a plugin's jar so that it sees the JDK, the SDK's API ({@code dev.pluginhost.sdk}) and exactly three libraries
 * of the runtime, and nothing else of it:
 * <ul>
 *   <li>{@code io.grpc} and {@code com.google.protobuf}: a plugin calls an application-defined capability with its own
 *       generated stub over {@code PluginContext.channel(..)}, an {@code io.grpc.Channel} of the runtime; the stub's
 *       classes must be the runtime's, or the call fails with a {@code LinkageError}.</li>
 *   <li>{@code org.slf4j}: so that a plugin (and every library it bundles) logging through SLF4J reaches the
 *       runtime's provider, which forwards to the host's log.</li>
 * </ul>
 * The runtime's Guava and Gson, and its internals ({@code dev.pluginhost.sdk.runtime}, {@code dev.pluginhost.contract}),
 * stay invisible, so a plugin may bring its own versions of those without a clash. The shared packages are loaded
 * parent-first: copies a plugin bundles of them are ignored, which is why plugins declare them {@code provided}.
 *
 * <p>The runtime makes this loader the context class loader wherever plugin code runs, so that {@code ServiceLoader}
 * and {@code DriverManager} find the services the plugin bundles. The SDK's test kit builds a plugin's loader with
 * this same class, from the test's class path ({@link #of(List, ClassLoader)}).
 *
 * <p>Runtime internals: plugin authors never use this class.
 */
public final class PluginClassLoader extends URLClassLoader {

    static {
        ClassLoader.registerAsParallelCapable();
    }

    private PluginClassLoader(URL[] classPath, ClassLoader runtime) {
        super("plugin", classPath, new ApiOnly(runtime));
    }

    /**
     * @param jar the plugin's jar, with the libraries it bundles
     * @param runtime the runtime's own class loader, which supplies the API and the shared packages
     * @return the plugin's loader
     * @throws IOException when the jar's path is not a valid URL
     */
    public static PluginClassLoader of(Path jar, ClassLoader runtime) throws IOException {
        return of(List.of(jar), runtime);
    }

    /**
     * @param classPath the plugin's jars and class folders
     * @param runtime the runtime's own class loader, which supplies the API and the shared packages
     * @return the plugin's loader
     * @throws IOException when a path is not a valid URL
     */
    public static PluginClassLoader of(List<Path> classPath, ClassLoader runtime) throws IOException {
        List<URL> urls = new ArrayList<>();
        for (Path entry : classPath) {
            urls.add(entry.toUri().toURL());
        }
        return new PluginClassLoader(urls.toArray(URL[]::new), runtime);
    }

    /**
     * @return the package prefixes (with a trailing dot) a plugin gets from the runtime, never from its own class
     *     path: the SDK's API and the shared libraries
     */
    public static List<String> sharedPackages() {
        List<String> packages = new ArrayList<>();
        packages.add(ApiOnly.API);
        packages.addAll(ApiOnly.SHARED);
        return List.copyOf(packages);
    }

    /** The parent: the platform class loader plus the SDK's API packages from the runtime's loader. */
    private static final class ApiOnly extends ClassLoader {

        private static final String API = "dev.pluginhost.sdk.";
        private static final String RUNTIME = "dev.pluginhost.sdk.runtime.";
        /** Shared with plugins; see the class comment. */
        static final List<String> SHARED = List.of("io.grpc.", "com.google.protobuf.", "org.slf4j.");

        private final ClassLoader runtime;

        ApiOnly(ClassLoader runtime) {
            super("plugin-api", ClassLoader.getPlatformClassLoader());
            this.runtime = runtime;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (fromRuntime(name)) {
                return runtime.loadClass(name);
            }
            return super.loadClass(name, resolve);
        }

        static boolean fromRuntime(String name) {
            return name.startsWith(API) && !name.startsWith(RUNTIME) || shared(name);
        }

        private static boolean shared(String name) {
            for (String prefix : SHARED) {
                if (name.startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public URL getResource(String name) {
            return getParent().getResource(name);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            return name.isEmpty() ? Collections.emptyEnumeration() : getParent().getResources(name);
        }
    }
}
