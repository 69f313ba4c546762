package dev.pluginhost.host.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.host.PluginHostProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** The reader of a plugin's stdout/stderr and its sink, on in-memory streams. */
class PluginOutputPumpTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private PluginLogSink sink(int maxLineBytes, int bytesPerSecond, int keptBytes) {
        PluginHostProperties.Logs limits = PluginHostProperties.group(PluginHostProperties.Logs.class,
                "max-line-bytes=" + maxLineBytes, "bytes-per-second=" + bytesPerSecond, "kept-bytes=" + keptBytes);
        return new PluginLogSink("p", limits, registry);
    }

    private static List<String> pump(PluginLogSink sink, InputStream in) throws InterruptedException {
        PluginOutputPump.start("p", sink, in, "stdout", Level.INFO).join();
        return sink.tail().stream().map(PluginLogSink.Line::message).toList();
    }

    @Test
    void aLongLineIsCutAndTheRestDiscardedUnbuffered() throws Exception {
        PluginLogSink sink = sink(100, 1 << 20, 1 << 20);
        // 256 MiB in one line: far more than a test JVM could buffer, read through 8 KiB chunks
        InputStream huge = new InputStream() {
            long left = 1L << 28;

            @Override
            public int read() {
                return left-- > 0 ? 'x' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 'x');
                left -= n;
                return n;
            }
        };
        List<String> lines = pump(sink, huge);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("x".repeat(100))
                .endsWith(" [... " + ((1L << 28) - 100) + " more cut: plugins.logs.max-line-bytes]");
        assertThat(registry.get("plugin.logs.discarded").tag("reason", "truncated").counter().count())
                .isEqualTo((1L << 28) - 100);
    }

    @Test
    void linesAreSplitOnNewlinesAcrossChunksAndCrLfEndsALine() throws Exception {
        String text = "a".repeat(10_000) + "\r\nsecond\n\nlast without newline";
        List<String> lines = pump(sink(20_000, 1 << 20, 1 << 20),
                new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertThat(lines).containsExactly("a".repeat(10_000), "second", "", "last without newline");
    }

    @Test
    void outputOverTheByteBudgetIsDiscardedAndCounted() throws Exception {
        String text = ("z".repeat(999) + "\n").repeat(100); // 100 000 bytes at once, budget 10 000 per second
        List<String> lines = pump(sink(1000, 10_000, 1 << 20),
                new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertThat(lines).hasSizeBetween(10, 15);
        assertThat(registry.get("plugin.logs.discarded").tag("reason", "budget").counter().count())
                .isGreaterThanOrEqualTo(88 * 999);
    }

    @Test
    void theTailIsBoundedInBytes() throws Exception {
        PluginLogSink sink = sink(1000, 1 << 30, 10_000);
        for (int i = 0; i < 100; i++) {
            sink.write(Level.INFO, "log", i + " " + "w".repeat(900));
        }
        List<PluginLogSink.Line> tail = sink.tail();
        assertThat(tail).hasSizeLessThanOrEqualTo(10);
        assertThat(tail.get(tail.size() - 1).message()).startsWith("99 ");
    }

    @Test
    void controlCharactersAreEscapedOntoOneLine() {
        assertThat(PluginText.escape("a\nb\r\tc\u001b[31m\u0085\u007f\u2028\u2029\u202e\u2066\u200f ok é 日本",
                100, 0)).isEqualTo("a\\nb\\r\\tc\\x1b[31m\\x85\\x7f\\u2028\\u2029\\u202e\\u2066\\u200f ok é 日本");
        assertThat(PluginText.escape("abcdef", 3, 0)).isEqualTo("abc [... 3 more cut: plugins.logs.max-line-bytes]");
    }
}
