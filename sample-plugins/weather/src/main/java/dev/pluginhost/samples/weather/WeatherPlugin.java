package dev.pluginhost.samples.weather;

import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import dev.pluginhost.sdk.PluginHttp;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Asks a weather service for the current weather, through the host: the plugin's JVM has no network, so every request
 * goes through the {@code http} capability, which lets it reach {@code api.example.com} and nothing else.
 *
 * <p>{@code current} takes <code>{"city": "Oslo"}</code> and answers
 * <code>{"city": "Oslo", "celsius": 4.5, "summary": "rain"}</code>. The service's address comes from the config key
 * {@code base-url} (default {@code https://api.example.com}); pointing it at another host fails with
 * {@code CAPABILITY_DENIED} until the operator grants {@code http:<that host>}.
 */
public final class WeatherPlugin implements Plugin {

    static final String DEFAULT_BASE_URL = "https://api.example.com";

    record Query(String city) {}

    /** What the weather service answers. */
    record Observation(double celsius, String summary) {}

    /** What {@code current} answers. */
    record Weather(String city, double celsius, String summary) {}

    @Override
    public void start(PluginContext context) {
        context.operation("current", request -> {
            Query query = request.json(Query.class);
            if (query == null || query.city() == null || query.city().isBlank()) {
                throw new IllegalArgumentException("send {\"city\": \"...\"}");
            }
            String base = context.config().get("base-url", DEFAULT_BASE_URL);
            String url = base + "/weather?city=" + URLEncoder.encode(query.city(), StandardCharsets.UTF_8);
            PluginHttp.Response response;
            try {
                response = context.http().get(url)
                        .header("accept", "application/json")
                        .timeout(Duration.ofSeconds(5))
                        .send();
            } catch (IOException e) {
                context.log().warn("weather service unreachable: {}", e.getMessage());
                throw new IllegalStateException("the weather service is unreachable: " + e.getMessage(), e);
            }
            if (response.status() == 404) {
                throw new IllegalArgumentException("unknown city: " + query.city());
            }
            if (response.status() != 200) {
                throw new IllegalStateException("the weather service answered HTTP " + response.status());
            }
            Observation observation = response.json(Observation.class);
            return new Weather(query.city(), observation.celsius(), observation.summary());
        });
    }
}
