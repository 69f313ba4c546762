package dev.pluginhost.host;

import dev.pluginhost.host.fixtures.TestPluginJar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The plugins folder of an end-to-end test's host ({@code <work>/plugins}) and the jars the test installs in it: the
 * samples and the test plugins that sample-plugins builds, and plugins written from this module's fixtures. The one
 * place the ITs find those jars, so a missing build says the same thing everywhere.
 */
final class PluginsFolder {

    private final Path dir;

    private PluginsFolder(Path dir) {
        this.dir = dir;
    }

    /** Creates {@code <work>/plugins}. */
    static PluginsFolder in(Path work) throws IOException {
        return new PluginsFolder(Files.createDirectories(work.resolve("plugins")));
    }

    Path path() {
        return dir;
    }

    /** Installs a sample as {@code <name>.jar}: {@code hello} is hello-*.jar from sample-plugins/target/plugins. */
    PluginsFolder sample(String name) throws IOException {
        Files.copy(built("samples.dir", "../sample-plugins/target/plugins", name), dir.resolve(name + ".jar"));
        return this;
    }

    /** Installs every sample, under its built name, as the README's samples.properties expects them. */
    PluginsFolder allSamples() throws IOException {
        try (Stream<Path> jars = Files.list(folder("samples.dir", "../sample-plugins/target/plugins"))) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.copy(jar, dir.resolve(jar.getFileName()));
            }
        }
        return this;
    }

    /** Installs a test plugin that sample-plugins builds (e.g. {@code honest}) as {@code <name>.jar}. */
    PluginsFolder fixture(String name) throws IOException {
        Files.copy(fixtureJar(name), dir.resolve(name + ".jar"));
        return this;
    }

    /** @return the built jar of a test plugin that sample-plugins builds, e.g. compat-*.jar */
    static Path fixtureJar(String name) throws IOException {
        return built("fixtures.dir", "../sample-plugins/target/fixtures", name);
    }

    /** Writes plugin {@code <id>.jar}, version 1, of a fixture class of this module requesting {@code capabilities}. */
    PluginsFolder write(String id, Class<?> pluginClass, String capabilities) throws IOException {
        TestPluginJar.write(dir, id + ".jar", id, "1", pluginClass, capabilities);
        return this;
    }

    private static Path folder(String property, String fallback) {
        return Path.of(System.getProperty(property, fallback));
    }

    private static Path built(String property, String fallback, String name) throws IOException {
        Path folder = folder(property, fallback);
        try (Stream<Path> jars = Files.list(folder)) {
            return jars.filter(p -> p.getFileName().toString().startsWith(name + "-")).findFirst().orElseThrow(
                    () -> new AssertionError("no " + name + "-*.jar in " + folder + " (build sample-plugins first)"));
        }
    }
}
