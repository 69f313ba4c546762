package dev.pluginhost.host.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pluginhost.host.capability.CapabilityCatalog;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ManifestReaderTest {

    @TempDir
    Path dir;

    final ManifestReader reader = new ManifestReader(1024 * 1024, new CapabilityCatalog(java.util.Map.of()));

    static Map<String, String> valid() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Plugin-Id", "hello");
        m.put("Plugin-Version", "1.0.0");
        m.put("Plugin-Class", "com.example.Hello");
        m.put("Plugin-Requires", "1");
        m.put("Plugin-Capabilities", "log, kv");
        return m;
    }

    @Test
    void readsAValidManifest() throws Exception {
        PluginDescriptor d = reader.read(jar("ok.jar", valid()));
        assertThat(d.id()).isEqualTo("hello");
        assertThat(d.version()).isEqualTo("1.0.0");
        assertThat(d.pluginClass()).isEqualTo("com.example.Hello");
        assertThat(d.requires()).isEqualTo(new VersionRange(1, 1));
        assertThat(d.capabilities()).containsExactlyInAnyOrder("log", "kv");
    }

    @ParameterizedTest(name = "{0} = ''{1}''")
    @CsvSource(delimiter = '|', value = {
        "Plugin-Id|         |Plugin-Id is missing",
        "Plugin-Id|Hello World|Plugin-Id 'Hello World' is malformed",
        "Plugin-Version|    |Plugin-Version is missing",
        "Plugin-Class|not a class|Plugin-Class 'not a class' is malformed",
        "Plugin-Requires|   |Plugin-Requires is missing",
        "Plugin-Requires|2-1|Plugin-Requires: '2-1' is not a version range",
        "Plugin-Capabilities|log, teleport|unknown capability 'teleport'",
        "Plugin-Capabilities|http|capability 'http' needs a scope",
        "Plugin-Capabilities|kv:everything|capability 'kv' takes no scope",
    })
    void namesTheFileAndTheField(String field, String value, String message) throws Exception {
        Map<String, String> m = valid();
        if (value == null) {
            m.remove(field);
        } else {
            m.put(field, value);
        }
        Path jar = jar("bad.jar", m);
        assertThatThrownBy(() -> reader.read(jar)).isInstanceOf(InvalidPluginException.class)
                .hasMessageStartingWith("bad.jar: ").hasMessageContaining(message);
    }

    @Test
    void corruptZip() throws Exception {
        Path jar = Files.write(dir.resolve("corrupt.jar"), new byte[] {1, 2, 3, 4});
        assertThatThrownBy(() -> reader.read(jar)).hasMessageStartingWith("corrupt.jar: not a readable jar");
    }

    @Test
    void jarWithoutPluginAttributes() throws Exception {
        Path jar = jar("lib.jar", Map.of("Implementation-Title", "x"));
        assertThatThrownBy(() -> reader.read(jar)).hasMessageStartingWith("lib.jar: not a plugin");
    }

    @Test
    void zipSlipEntry() throws Exception {
        Path jar = jar("slip.jar", valid(), "../../etc/cron.d/evil");
        assertThatThrownBy(() -> reader.read(jar)).hasMessageContaining("unsafe zip entry name '../../etc/cron.d/evil'");
    }

    @Test
    void tooLarge() throws Exception {
        Path jar = jar("big.jar", valid());
        assertThatThrownBy(() -> new ManifestReader(10, new CapabilityCatalog(java.util.Map.of())).read(jar))
                .hasMessageContaining("larger than plugins.max-jar-size");
    }

    @Test
    void duplicateIdsRejectTheSecondJar() throws Exception {
        jar("a.jar", valid());
        jar("b.jar", valid());
        PluginScanner.Result result = new PluginScanner(reader).scan(dir);
        assertThat(result.plugins()).extracting(PluginDescriptor::jar).containsExactly(dir.resolve("a.jar"));
        assertThat(result.rejections()).singleElement().satisfies(r ->
                assertThat(r.reason()).isEqualTo("b.jar: duplicate Plugin-Id 'hello': a.jar already has it"));
    }

    private Path jar(String name, Map<String, String> attributes, String... entries) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        attributes.forEach((k, v) -> manifest.getMainAttributes().putValue(k, v));
        Path path = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(path); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            for (String entry : entries) {
                jar.putNextEntry(new ZipEntry(entry));
                jar.closeEntry();
            }
        }
        return path;
    }
}
