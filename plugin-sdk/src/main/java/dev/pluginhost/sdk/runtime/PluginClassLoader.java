package dev.pluginhost.sdk.runtime;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;

/**
 * Loads a plugin's jar so that it sees the JDK and the SDK's API ({@code dev.pluginhost.sdk}) and nothing else of the
 * runtime: the runtime's gRPC, protobuf, Guava and Gson stay invisible, so a plugin may bring its own versions of
 * any of them without a clash.
 */
final class PluginClassLoader extends URLClassLoader {

    static {
        ClassLoader.registerAsParallelCapable();
    }

    PluginClassLoader(Path jar, ClassLoader runtime) throws IOException {
        super("plugin", new URL[] {jar.toUri().toURL()}, new ApiOnly(runtime));
    }

    /** The parent: the platform class loader plus the SDK's API packages from the runtime's loader. */
    private static final class ApiOnly extends ClassLoader {

        private static final String API = "dev.pluginhost.sdk.";
        private static final String RUNTIME = "dev.pluginhost.sdk.runtime.";

        private final ClassLoader runtime;

        ApiOnly(ClassLoader runtime) {
            super("plugin-api", ClassLoader.getPlatformClassLoader());
            this.runtime = runtime;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith(API) && !name.startsWith(RUNTIME)) {
                return runtime.loadClass(name);
            }
            return super.loadClass(name, resolve);
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
