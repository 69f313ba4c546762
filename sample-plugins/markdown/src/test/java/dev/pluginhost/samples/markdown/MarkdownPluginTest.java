package dev.pluginhost.samples.markdown;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sdk.testkit.PluginTest;
import dev.pluginhost.sdk.testkit.Result;
import dev.pluginhost.sdk.testkit.TestHost;
import java.util.Map;
import org.junit.jupiter.api.Test;

@PluginTest(plugin = MarkdownPlugin.class, grants = "config", config = "max-chars=200")
class MarkdownPluginTest {

    @Test
    void rendersMarkdownToHtml(TestHost host) {
        Map<?, ?> reply = host.invoke("render", Map.of("markdown", "# Title\n\nSome *emphasis* and a [link](https://example.com).")).json(Map.class);
        assertThat(reply.get("html")).isEqualTo("<h1>Title</h1>\n"
                + "<p>Some <em>emphasis</em> and a <a rel=\"nofollow\" href=\"https://example.com\">link</a>.</p>\n");
    }

    @Test
    void escapesRawHtmlAndDropsUnsafeLinks(TestHost host) {
        String html = (String) host.invoke("render", Map.of("markdown",
                "<script>alert(1)</script>\n\n[x](javascript:alert(1))")).json(Map.class).get("html");
        assertThat(html).doesNotContain("<script>").contains("&lt;script&gt;")
                .doesNotContain("javascript:");
    }

    @Test
    void enforcesTheConfiguredLimit(TestHost host) {
        Result result = host.invoke("render", Map.of("markdown", "x".repeat(201)));
        assertThat(result.failureCode()).isEqualTo("BAD_REQUEST");
        assertThat(result.failureMessage()).contains("max-chars=200");
    }

    @Test
    void logsThroughSlf4j(TestHost host) {
        assertThat(host.logs()).anySatisfy(entry -> {
            assertThat(entry.logger()).isEqualTo(MarkdownPlugin.class.getName());
            assertThat(entry.message()).isEqualTo("rendering Markdown of up to 200 characters");
        });
    }

    @Test
    @PluginTest(plugin = MarkdownPlugin.class)
    void withoutConfigItUsesTheDefault(TestHost host) {
        assertThat(host.invoke("render", Map.of("markdown", "x".repeat(201))).isOk()).isTrue();
        assertThat(host.deniedCalls()).singleElement().satisfies(call -> assertThat(call.capability())
                .isEqualTo("config"));
    }
}
