package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.host.fixtures.ConformancePlugin;
import dev.pluginhost.host.fixtures.TestPluginJar;
import dev.pluginhost.sdk.contract.Denials;
import dev.pluginhost.sdk.testkit.Result;
import dev.pluginhost.sdk.testkit.TestHost;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The contract's rules answer the same in the real host (the packaged host, a real process, real plugin JVMs) and in
 * the SDK's test kit: for the same grants, the same calls are admitted (topics and subscription patterns against
 * scoped grants, kv and config against unscoped ones), and a refusal names the same plugin, capability, call and
 * grant. Each side is also held to the expected verdicts, so that both cannot be wrong together.
 */
class ContractConformanceIT {

    /** A refusal's message, as {@link Denials#message} builds it; the reason differs (the test kit knows no manifest). */
    private static final Pattern DENIAL = Pattern.compile(
            "denied: plugin '([^']+)' may not use capability '([^']+)' \\(([^)]+)\\): (.+); grant it with (\\S+)(.*)");

    @TempDir
    static Path work;

    @AutoClose
    static HostProcess host;

    static Stream<Arguments> grantSets() {
        return Stream.of(
                Arguments.of("conf-narrow", List.of("events.publish:orders.*", "events.subscribe:orders.*", "kv"),
                        Set.of("publish:orders.created", "publish:orders.eu.created", "subscribe:orders.*",
                                "subscribe:orders.eu.*", "subscribe:orders.created", "kv")),
                Arguments.of("conf-wide", List.of("events.publish:*", "events.subscribe:*", "config"),
                        Set.of("publish:orders.created", "publish:orders.eu.created", "publish:orders",
                                "publish:payments.settled", "subscribe:orders.*", "subscribe:orders.eu.*",
                                "subscribe:orders.created", "subscribe:*", "subscribe:payments.*", "config")),
                Arguments.of("conf-exact", List.of("events.publish:orders.created", "events.subscribe:orders.created"),
                        Set.of("publish:orders.created", "subscribe:orders.created")),
                Arguments.of("conf-none", List.of(), Set.of()));
    }

    @BeforeAll
    static void startHost() throws Exception {
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        List<String> args = new ArrayList<>();
        for (Arguments set : grantSets().toList()) {
            String id = (String) set.get()[0];
            @SuppressWarnings("unchecked")
            List<String> grants = (List<String>) set.get()[1];
            List<String> all = new ArrayList<>(grants);
            all.add(0, "log");
            // The manifest requests exactly what the operator grants: the plugin is granted what the test kit grants.
            TestPluginJar.write(plugins, id + ".jar", id, "1", ConformancePlugin.class, String.join(", ", all));
            args.add("--plugins.grants." + id + "=" + String.join(",", all));
        }
        host = HostProcess.start(work, plugins, args.toArray(String[]::new));
        host.awaitRunning(Duration.ofSeconds(180),
                grantSets().map(set -> (String) set.get()[0]).toArray(String[]::new));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("grantSets")
    void theHostAndTheTestKitGiveTheSameAnswers(String id, List<String> grants, Set<String> admitted)
            throws Exception {
        HttpResponse<String> response = host.post("/api/plugins/" + id + "/invoke/calls", "{}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Map<String, String> inHost = answers(HostProcess.JSON.readTree(response.body()));

        Map<String, String> inTestKit;
        try (TestHost kit = TestHost.builder(ConformancePlugin.class).id(id).grant(grants.toArray(String[]::new))
                .start()) {
            Result result = kit.invoke("calls", "{}");
            assertThat(result.isOk()).as(result.toString()).isTrue();
            inTestKit = answers(HostProcess.JSON.readTree(result.text()));
        }

        for (String call : ConformancePlugin.CALLS) {
            String expected = admitted.contains(call) ? "ok" : "denied";
            assertThat(inHost.get(call)).as("the host's answer to " + call).startsWith(expected);
            assertThat(inTestKit.get(call)).as("the test kit's answer to " + call).startsWith(expected);
            assertThat(normalized(inTestKit.get(call))).as(call).isEqualTo(normalized(inHost.get(call)));
            if (expected.equals("denied")) {
                Matcher denial = DENIAL.matcher(inHost.get(call));
                assertThat(denial.matches()).as(inHost.get(call)).isTrue();
                assertThat(denial.group(4)).as("the host's reason").isIn(Denials.NOT_GRANTED, Denials.NOT_REQUESTED);
                assertThat(denial.group(6)).as("nothing after the grant").isEmpty();
            }
        }
    }

    private static Map<String, String> answers(JsonNode json) {
        Map<String, String> answers = new LinkedHashMap<>();
        json.properties().forEach(e -> answers.put(e.getKey(), e.getValue().asString()));
        return answers;
    }

    /** A refusal without its reason and the test kit's hint for test authors: what both must agree on. */
    private static String normalized(String answer) {
        Matcher denial = DENIAL.matcher(answer);
        if (!denial.matches()) {
            return answer;
        }
        return "denied plugin=" + denial.group(1) + " capability=" + denial.group(2) + " call=" + denial.group(3)
                + " grant=" + denial.group(5);
    }
}
