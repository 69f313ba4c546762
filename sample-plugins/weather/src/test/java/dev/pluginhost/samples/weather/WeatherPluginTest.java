package dev.pluginhost.samples.weather;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sdk.testkit.DeniedCall;
import dev.pluginhost.sdk.testkit.PluginTest;
import dev.pluginhost.sdk.testkit.Result;
import dev.pluginhost.sdk.testkit.TestHost;
import java.util.Map;
import org.junit.jupiter.api.Test;

@PluginTest(plugin = WeatherPlugin.class, grants = {"config", "http:api.example.com"})
class WeatherPluginTest {

    @Test
    void asksTheWeatherServiceThroughTheHost(TestHost host) {
        host.http().respond("GET", "https://api.example.com/weather?city=Oslo", 200,
                "{\"celsius\": 4.5, \"summary\": \"rain\"}");
        assertThat(host.invoke("current", Map.of("city", "Oslo")).json(Map.class))
                .isEqualTo(Map.of("city", "Oslo", "celsius", 4.5, "summary", "rain"));
        assertThat(host.http().requests()).singleElement()
                .satisfies(request -> assertThat(request.headers()).containsEntry("accept", "application/json"));
    }

    @Test
    void encodesTheCity(TestHost host) {
        host.http().respond("GET", "https://api.example.com/weather?city=S%C3%A3o+Paulo", 200,
                "{\"celsius\": 24, \"summary\": \"sun\"}");
        assertThat(host.invoke("current", Map.of("city", "São Paulo")).json(Map.class))
                .containsEntry("summary", "sun");
    }

    @Test
    void anUnknownCityIsABadRequest(TestHost host) {
        host.http().respond("GET", "https://api.example.com/weather?city=Atlantis", 404, "no such city");
        Result result = host.invoke("current", Map.of("city", "Atlantis"));
        assertThat(result.failureCode()).isEqualTo("BAD_REQUEST");
        assertThat(result.failureMessage()).isEqualTo("unknown city: Atlantis");
    }

    @Test
    void anUnreachableServiceIsAPluginError(TestHost host) {
        host.http().unreachable("https://api.example.com/weather?city=Oslo");
        Result result = host.invoke("current", Map.of("city", "Oslo"));
        assertThat(result.failureCode()).isEqualTo("PLUGIN_ERROR");
        assertThat(result.failureMessage()).contains("unreachable");
        assertThat(host.logs()).anySatisfy(entry -> assertThat(entry.level()).isEqualTo("WARN"));
    }

    @Test
    void anyOtherHostIsDenied(TestHost host) {
        host.config().put("base-url", "https://weather.evil.example.org");
        Result result = host.invoke("current", Map.of("city", "Oslo"));
        assertThat(result.failureCode()).isEqualTo("CAPABILITY_DENIED");
        assertThat(result.failureMessage()).contains("'http:weather.evil.example.org'");
        assertThat(host.deniedCalls()).extracting(DeniedCall::capability, DeniedCall::method)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("http:weather.evil.example.org", "Fetch"));
        assertThat(host.http().requests()).isEmpty();
    }
}
