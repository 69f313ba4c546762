package dev.pluginhost.host.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.pluginhost.host.capability.CapabilityCatalog;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    void duplicateIdsStartNeitherJarWhateverTheirNames() throws Exception {
        jar("a.jar", valid());
        jar("b.jar", valid());
        PluginScanner.Result result = new PluginScanner(reader).scan(dir);
        assertThat(result.plugins()).isEmpty();
        assertThat(result.claims()).hasSize(2);
        assertThat(result.rejections()).extracting(Rejection::jar)
                .containsExactlyInAnyOrder(dir.resolve("a.jar"), dir.resolve("b.jar"));
        assertThat(result.rejections()).allSatisfy(r -> assertThat(r.reason())
                .contains("duplicate Plugin-Id 'hello': claimed by 2 jars (a.jar, b.jar); none of them is started"));
    }

    @Test
    void aDigestPinPicksTheJarAndSaysWhyTheOtherIsRefused() throws Exception {
        Map<String, String> other = valid();
        other.put("Plugin-Version", "6.6.6");
        jar("a.jar", other);
        Path real = jar("b.jar", valid());
        String digest = JarIdentity.digest(real);
        PluginPins pins = new PluginPins(Map.of("hello", java.util.List.of(digest)), null, "PKCS12", null);
        PluginScanner.Result result = new PluginScanner(reader, pins).scan(dir);
        assertThat(result.plugins()).extracting(PluginDescriptor::jar).containsExactly(real);
        assertThat(result.plugins().get(0).identity().digest()).isEqualTo(digest).startsWith("sha256:").hasSize(71);
        assertThat(result.rejections()).singleElement().satisfies(r -> assertThat(r.reason())
                .isEqualTo("a.jar: Plugin-Id 'hello' is pinned (plugins.identity.pins.hello) to " + digest
                        + "; this jar is " + JarIdentity.digest(dir.resolve("a.jar"))));
    }

    @Test
    void aMalformedPinOrAMissingTrustStoreRefusesTheJarSayingWhy() throws Exception {
        jar("a.jar", valid());
        PluginPins pins = new PluginPins(Map.of("hello", java.util.List.of("md5:abc", "signer:acme")), null,
                "PKCS12", null);
        PluginScanner.Result result = new PluginScanner(reader, pins).scan(dir);
        assertThat(result.plugins()).isEmpty();
        assertThat(result.rejections()).singleElement().satisfies(r -> assertThat(r.reason())
                .contains("'md5:abc' (not a pin: write sha256:<64 hex digits> or signer:<trust-store alias>)")
                .contains("signer:acme (plugins.identity.trust-store.path is not set)")
                .contains("not signed (it holds no files besides its manifest)"));
    }

    @Test
    void anUnsignedJarHasNoSigner() throws Exception {
        PluginDescriptor d = reader.read(jar("ok.jar", valid(), "com/example/Hello.class"));
        assertThat(d.identity().signer()).isNull();
        assertThat(d.identity().unsigned()).isEqualTo("entry com/example/Hello.class is not signed");
    }

    /**
     * A FIFO named like a jar (an operator's mistake, or anyone who may write the folder) blocked the host's start
     * for good: the scan opened it to digest it and waited for a writer, on the main thread, so no plugin started
     * and health stayed DOWN (seen by hand with the packaged host). A link to {@code /dev/zero} read forever. Both
     * are refused without being opened, and the jars beside them start.
     */
    @Test
    void aFifoOrADeviceNamedLikeAJarIsRefusedAndDoesNotStopTheOtherPlugins() throws Exception {
        Path fifo = dir.resolve("a.jar");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).as("mkfifo").isZero();
        Files.createSymbolicLink(dir.resolve("b.jar"), Path.of("/dev/zero"));
        Path good = jar("c.jar", valid());
        try {
            PluginScanner.Result result = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> new PluginScanner(reader).scan(dir), "the scan blocked on a FIFO or read a device forever");
            assertThat(result.plugins()).extracting(PluginDescriptor::jar).containsExactly(good);
            assertThat(result.rejections()).extracting(Rejection::reason).containsExactlyInAnyOrder(
                    "a.jar: not a regular file (a FIFO, a device, a socket or a folder): a plugin is a jar file",
                    "b.jar: not a regular file (a FIFO, a device, a socket or a folder): a plugin is a jar file");
        } finally {
            // Before the fix the scan's thread waits in open(): a writer that closes at once releases it.
            new ProcessBuilder("timeout", "1", "sh", "-c", ": > " + fifo).start().waitFor();
        }
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
