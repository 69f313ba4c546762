package dev.pluginhost.samples.hello;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sdk.testkit.DeniedCall;
import dev.pluginhost.sdk.testkit.LogEntry;
import dev.pluginhost.sdk.testkit.PluginTest;
import dev.pluginhost.sdk.testkit.Result;
import dev.pluginhost.sdk.testkit.TestHost;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

@PluginTest(plugin = HelloPlugin.class, grants = "kv")
class HelloPluginTest {

    @Test
    void greetAnswersAndLogs(TestHost host) {
        assertThat(host.invoke("greet", "{\"name\":\"Ada\"}").json(Map.class))
                .isEqualTo(Map.of("greeting", "Hello, Ada!"));
        assertThat(host.logs()).contains(new LogEntry("INFO", "hello", "greeting Ada", ""));
    }

    @Test
    void greetWithoutANameGreetsTheWorld(TestHost host) {
        assertThat(host.invoke("greet").json(Map.class)).isEqualTo(Map.of("greeting", "Hello, world!"));
    }

    @Test
    void greetRejectsWhatIsNotJson(TestHost host) {
        Result result = host.invoke("greet", "not json");
        assertThat(result.failureCode()).isEqualTo("BAD_REQUEST");
    }

    @Test
    void countCountsInTheKeyValueStore(TestHost host) {
        assertThat(host.invoke("count").json(Map.class)).isEqualTo(Map.of("count", 1.0));
        assertThat(host.invoke("count").json(Map.class)).isEqualTo(Map.of("count", 2.0));
        assertThat(host.kv()).containsEntry("count", "2");
    }

    @Test
    void countContinuesFromAStoredValue(TestHost host) {
        host.kvPut("count", "41");
        assertThat(host.invoke("count").json(Map.class)).isEqualTo(Map.of("count", 42.0));
    }

    @Test
    void concurrentCountsLoseNothing(TestHost host) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<Future<Result>> results = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                results.add(callers.submit(() -> host.invoke("count")));
            }
            for (Future<Result> result : results) {
                assertThat(result.get().isOk()).isTrue();
            }
        } finally {
            callers.shutdown();
        }
        assertThat(host.kv()).containsEntry("count", "40");
    }

    @Test
    @PluginTest(plugin = HelloPlugin.class)
    void withoutTheKvGrantCountIsDeniedAndProbeSaysSo(TestHost host) {
        Result count = host.invoke("count");
        assertThat(count.failureCode()).isEqualTo("CAPABILITY_DENIED");
        assertThat(count.failureMessage()).contains("plugins.grants.hello=kv");

        Map<?, ?> probe = host.invoke("probe").json(Map.class);
        // The test kit does not sandbox: the socket is only refused under the real host.
        assertThat(probe.get("socket").toString()).startsWith("allowed");
        assertThat(probe.get("kv").toString()).startsWith("denied: plugin 'hello' may not use capability 'kv'");
        assertThat(host.deniedCalls()).extracting(DeniedCall::capability).containsExactly("kv", "kv");
    }
}
