package dev.pluginhost.host.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Which plugin JDKs get --enable-native-access: JDK 25 does (it warns without), JDK 17 and unknown ones do not. */
class PluginJvmTest {

    @Test
    void nativeAccessOnlyForJdk22AndLater() throws Exception {
        Path jdk25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
        assertThat(jdk25).as("not available here: no JDK 25 at " + jdk25).isExecutable();
        assertThat(PluginJvm.featureVersion(jdk25)).isEqualTo(25);
        assertThat(PluginJvm.nativeAccess(jdk25)).containsExactly("--enable-native-access=ALL-UNNAMED");

        Path jdk17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
        assertThat(jdk17).as("not available here: no JDK 17 at " + jdk17).isExecutable();
        assertThat(PluginJvm.featureVersion(jdk17)).isEqualTo(17);
        assertThat(PluginJvm.nativeAccess(jdk17)).isEmpty();

        Path notAJdk = Files.createTempFile("java", "");
        assertThat(PluginJvm.featureVersion(notAJdk)).isZero();
        assertThat(PluginJvm.nativeAccess(notAJdk)).isEmpty();
        Files.delete(notAJdk);
    }
}
