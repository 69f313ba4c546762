package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.host.fixtures.TestPluginJar;
import dev.pluginhost.host.fixtures.VersionedPlugin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Configuration and launch errors no retry can fix, against the real packaged host: an allowance that would break
 * the isolation stops the host before it starts anything, naming the property and the call, and so does a mistyped
 * {@code plugins.sandbox.mode}; a data folder the plugin
 * JVM's uid cannot reach fails the plugin on its first attempt, without restarts or quarantine.
 */
class LaunchErrorsIT {

    @TempDir
    Path work;

    /** Without typed configuration, a mistyped mode let the host start and failed every plugin at each launch. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--plugins.sandbox.allow.alpha=chmod,execve|plugins.sandbox.allow.alpha lists 'execve', which no plugin "
                    + "may be allowed: it runs another program|",
            "--plugins.sandbox.mode=dney|plugins.sandbox.mode|dney"})
    void aConfigurationErrorStopsTheHostNamingIt(String option, String named, String value) throws Exception {
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        TestPluginJar.write(plugins, "alpha.jar", "alpha", "1", VersionedPlugin.class, "log");
        try (HostProcess host = HostProcess.start(work, plugins, option)) {
            Integer exit = host.awaitExit(Duration.ofSeconds(240));
            assertThat(exit).as("the host refuses to start; log:%n%s", host.log()).isNotNull().isNotZero();
            assertThat(host.log()).contains(named).contains(value == null ? named : value);
        }
    }

    @Test
    void aDataFolderThePluginCannotReachFailsAtOnceWithoutRestarts() throws Exception {
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        // The data folder below a folder that is the host's alone (not traversable by the plugin's uid). Not the
        // data folder itself: the host makes that one traversable (0711), it cannot change the folders above.
        Path locked = Files.createDirectories(work.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        Path data = Files.createDirectories(locked.resolve("data"));
        TestPluginJar.write(plugins, "alpha.jar", "alpha", "1", VersionedPlugin.class, "log");
        try (HostProcess host = HostProcess.start(work, plugins, "--plugins.data-dir=" + data)) {
            await().atMost(Duration.ofSeconds(240)).ignoreExceptions().until(() ->
                    host.plugin("alpha").get("state").asString().equals("failed"));
            // Past the first restart's backoff (plugins.supervision.initial-backoff, 1 s, up to 1.5 s with jitter).
            Thread.sleep(4_000);
            JsonNode alpha = host.plugin("alpha");
            assertThat(alpha.get("state").asString()).as(alpha.toString()).isEqualTo("failed");
            assertThat(alpha.get("restarts").asInt()).as(alpha.toString()).isZero();
            assertThat(alpha.get("lastError").asString()).contains("cannot reach").contains(data.toString())
                    .contains("not retried").doesNotContain("restart 1");
            assertThat(host.log()).doesNotContain("quarantined");
        }
    }
}
