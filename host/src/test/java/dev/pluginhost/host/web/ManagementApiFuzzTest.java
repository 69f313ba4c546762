package dev.pluginhost.host.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pluginhost.fuzz.FuzzBounds;
import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.capability.CapabilityCatalog;
import dev.pluginhost.host.discovery.ManifestReader;
import dev.pluginhost.host.lifecycle.PluginManager;
import dev.pluginhost.host.lifecycle.PluginNotFoundException;
import dev.pluginhost.host.metrics.PluginMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fuzz target: the management API's path variables, query parameter and bodies, as the controller receives them
 * (called directly, after Spring decoded the URL), and the plugin replies it turns into JSON. A plugin id, an
 * operation or a phase that is not one is refused with the documented exception whose problem detail names it; a
 * body over the limit is refused as too large; a reply of any type and bytes becomes JSON the host wrote, with
 * {@code nosniff}; all within {@link FuzzBounds}. The host here has no plugin installed: every id is unknown, which
 * is what an attacker guessing ids meets.
 */
class ManagementApiFuzzTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final PluginController API = new PluginController(new PluginManager(new PluginHostProperties(),
            new ManifestReader(1024, new CapabilityCatalog(Map.of())), new PluginMetrics(new SimpleMeterRegistry()),
            null));
    private static final List<String> TYPES = List.of("application/json", "application/problem+json", "text/html",
            "application/x-www-form-urlencoded", "image/png", "application/vnd.x+json; charset=latin1", "", "*/*",
            "application/json;;;", "text/plain; charset=utf-8");

    @FuzzTest
    void refusalsNameTheInputAndRepliesAreJson(FuzzedDataProvider data) {
        String id = data.consumeString(80);
        String other = data.consumeString(80);
        int call = data.consumeInt(0, 7);
        String input = "call " + call + " id " + id + " / " + other;
        RuntimeException refusal = FuzzBounds.run(input, RuntimeException.class, () -> {
            switch (call) {
                case 0 -> API.get(id);
                case 1 -> API.violations(id, other);
                case 2 -> API.logs(id);
                case 3 -> API.start(id);
                case 4 -> API.stop(id);
                case 5 -> API.restart(id);
                case 6 -> {
                    MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/plugins/x/invoke/y");
                    request.setContent(new byte[data.pickValue(List.of(0, 10, PluginController.MAX_BODY,
                            PluginController.MAX_BODY + 1))]);
                    request.setContentType(data.pickValue(TYPES));
                    API.invoke(id, other, request);
                }
                default -> {
                    String type = data.consumeBoolean() ? data.pickValue(TYPES) : data.consumeString(60);
                    byte[] payload = data.consumeRemainingAsBytes();
                    reply(type, payload);
                }
            }
        });
        if (refusal == null) {
            return;
        }
        ProblemDetail problem;
        if (refusal instanceof PluginNotFoundException e) {
            problem = API.notFound(e);
            assertThat(problem.getStatus()).isEqualTo(404);
            assertThat(problem.getDetail()).as("names the id: %s", input).contains("'" + id + "'");
        } else if (refusal instanceof PluginController.BadPhaseException e) {
            problem = API.badPhase(e);
            assertThat(problem.getStatus()).isEqualTo(400);
            assertThat(problem.getDetail()).as("names the phase: %s", input).contains("'" + other + "'");
        } else if (refusal instanceof PluginController.PayloadTooLargeException e) {
            problem = API.tooLarge(e);
            assertThat(problem.getStatus()).isEqualTo(413);
        } else {
            throw new AssertionError("not a documented refusal: " + refusal + " on " + FuzzBounds.shorten(input),
                    refusal);
        }
        // The problem detail is written as JSON and reads back the same, whatever the id held.
        JsonNode written = JSON.readTree(JSON.writeValueAsBytes(problem));
        assertThat(written.get("detail").asString()).isEqualTo(problem.getDetail());
    }

    private static void reply(String type, byte[] payload) {
        ResponseEntity<?> reply = PluginController.reply(type, payload);
        assertThat(reply.getHeaders().getFirst("X-Content-Type-Options")).isEqualTo("nosniff");
        if (payload.length == 0) {
            assertThat(reply.getStatusCode().value()).isEqualTo(204);
            return;
        }
        assertThat(reply.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
        JSON.readTree((byte[]) reply.getBody()); // JSON the host wrote: it reads back, whatever the plugin sent
    }
}
