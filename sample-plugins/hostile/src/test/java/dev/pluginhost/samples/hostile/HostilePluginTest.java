package dev.pluginhost.samples.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sdk.testkit.PluginTest;
import dev.pluginhost.sdk.testkit.TestHost;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The hostile sample on the test kit: it registers one operation per attack class, and the harmless ones answer with
 * what they found. The kit runs in-process, without a sandbox, so the attacks themselves are exercised only by
 * sandbox-launcher's HostileSuiteTest (plain and sandboxed) and by the host's SamplesIT (under the real sandbox).
 */
@PluginTest(plugin = HostilePlugin.class)
class HostilePluginTest {

    @Test
    void everyAttackClassIsAnOperation(TestHost host) {
        assertThat(host.operations()).contains("exec", "fork", "namespaces", "sockets", "unix-socket",
                "other-process", "kernel-surface", "x32", "tiocsti", "read-file", "write-outside", "environment",
                "descriptors", "thread-bomb", "memory", "disk");
    }

    @Test
    void harmlessOperationsReportWhatTheyFind(TestHost host) {
        assertThat(host.invoke("environment").json(Map.class)).containsKey("variables");
        assertThat(host.invoke("descriptors").isOk()).isTrue();
        assertThat(host.logs()).anySatisfy(entry -> assertThat(entry.message()).isEqualTo("attack descriptors"));
    }
}
