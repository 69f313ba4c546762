package dev.pluginhost.samples.markdown;

import dev.pluginhost.sdk.CapabilityDeniedException;
import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import java.util.Map;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders Markdown to HTML with a library bundled in the plugin's jar (commonmark, shaded by the build). The input is
 * untrusted, so raw HTML is escaped and unsafe link targets are dropped. Logs through SLF4J, which the runtime sends to
 * the host's log. Reads one setting, {@code max-chars}, through the {@code config} capability, and falls back to its
 * default when the operator did not grant {@code config}.
 */
public final class MarkdownPlugin implements Plugin {

    private static final Logger LOG = LoggerFactory.getLogger(MarkdownPlugin.class);
    static final int DEFAULT_MAX_CHARS = 100_000;

    record Render(String markdown) {}

    private final Parser parser = Parser.builder().build();
    private final HtmlRenderer renderer = HtmlRenderer.builder().escapeHtml(true).sanitizeUrls(true).build();

    @Override
    public void start(PluginContext context) {
        int maxChars = maxChars(context);
        LOG.info("rendering Markdown of up to {} characters", maxChars);
        context.operation("render", request -> {
            Render render = request.contentType().startsWith("text/")
                    ? new Render(request.text()) : request.json(Render.class);
            if (render == null || render.markdown() == null) {
                throw new IllegalArgumentException("send {\"markdown\": \"...\"} or a text/markdown body");
            }
            if (render.markdown().length() > maxChars) {
                throw new IllegalArgumentException("Markdown of " + render.markdown().length()
                        + " characters is longer than max-chars=" + maxChars);
            }
            String html = renderer.render(parser.parse(render.markdown()));
            LOG.debug("rendered {} characters into {}", render.markdown().length(), html.length());
            return Map.of("html", html);
        });
    }

    private static int maxChars(PluginContext context) {
        try {
            return Integer.parseInt(context.config().get("max-chars", Integer.toString(DEFAULT_MAX_CHARS)));
        } catch (CapabilityDeniedException e) {
            LOG.info("config not granted, using max-chars={}", DEFAULT_MAX_CHARS);
            return DEFAULT_MAX_CHARS;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("config max-chars is not a number: " + e.getMessage(), e);
        }
    }
}
