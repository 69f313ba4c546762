package dev.pluginhost.host.logs;

import dev.pluginhost.host.PluginHostProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

/**
 * Everything one plugin writes (SDK logger, stdout, stderr) on its way into the host's log: under the logger
 * {@code plugin.<id>} with the MDC key {@code plugin} and the plugin's id in the line itself, escaped onto one line
 * ({@link PluginText}), cut at {@code plugins.logs.max-line-bytes}, within a byte budget per second (the rest is
 * discarded before it costs more than the reading), rate-limited in lines so that a noisy plugin cannot flood the host,
 * and kept in a tail bounded in lines and bytes for {@code GET /api/plugins/{id}/logs}.
 */
public final class PluginLogSink {

    /**
     * One kept line.
     *
     * @param time when the host received it
     * @param level its level
     * @param source log (SDK), stdout or stderr
     * @param message the text, escaped onto one line
     */
    public record Line(Instant time, String level, String source, String message) {
    }

    private static final long REPORT_EVERY_NANOS = 10_000_000_000L;

    /** What a kept line costs besides its text (time, level, source, JSON), for the tail's byte bound. */
    private static final int LINE_OVERHEAD = 96;

    private final String pluginId;
    private final Logger log;
    private final int capacity;
    private final long keptBytes;
    private final int maxLineBytes;
    private final double perNano;
    private final double burst;
    private final double bytesPerNano;
    private final double byteBurst;
    private final Counter dropped;
    private final Counter overBudget;
    private final Counter truncated;
    private final Deque<Line> tail = new ArrayDeque<>();
    private long tailBytes;
    private double tokens;
    private double byteTokens;
    private long last = System.nanoTime();
    private long droppedSinceReport;
    private long overBudgetSinceReport;
    private long lastReport = System.nanoTime();

    private static int bytes(org.springframework.util.unit.DataSize size) {
        return (int) Math.min(Integer.MAX_VALUE, size.toBytes());
    }

    /** @param limits {@code plugins.logs.*} */
    public PluginLogSink(String pluginId, PluginHostProperties.Logs limits, MeterRegistry registry) {
        this.pluginId = pluginId;
        this.log = LoggerFactory.getLogger("plugin." + pluginId);
        this.capacity = Math.max(1, limits.kept());
        this.keptBytes = Math.max(1, bytes(limits.keptBytes()));
        this.maxLineBytes = Math.max(1, bytes(limits.maxLineBytes()));
        this.perNano = limits.rate() / 1e9;
        this.burst = Math.max(1, limits.burst());
        this.tokens = this.burst;
        this.bytesPerNano = bytes(limits.bytesPerSecond()) / 1e9;
        // a second's worth at once, and always room for one full line
        this.byteBurst = Math.max(bytes(limits.bytesPerSecond()), maxLineBytes);
        this.byteTokens = this.byteBurst;
        this.dropped = Counter.builder("plugin.logs.dropped")
                .description("Plugin log lines not written to the host's log because the plugin exceeded its rate")
                .tag("plugin", pluginId)
                .register(registry);
        this.overBudget = discarded(registry, pluginId, "budget");
        this.truncated = discarded(registry, pluginId, "truncated");
    }

    private static Counter discarded(MeterRegistry registry, String pluginId, String reason) {
        return Counter.builder("plugin.logs.discarded")
                .description("Bytes of plugin output discarded unread: over plugins.logs.bytes-per-second (budget) "
                        + "or beyond plugins.logs.max-line-bytes in one line (truncated)")
                .baseUnit("bytes")
                .tag("plugin", pluginId)
                .tag("reason", reason)
                .register(registry);
    }

    /** @return the longest line kept, in bytes; the reader of stdout/stderr buffers no more than this */
    public int maxLineBytes() {
        return maxLineBytes;
    }

    /**
     * One line of the plugin's stdout or stderr, as read: decoded only when within the budget.
     *
     * @param bytes the start of the line, without its newline
     * @param length bytes of it used
     * @param cut bytes of the line beyond {@link #maxLineBytes()}, discarded by the reader
     */
    public void output(Level level, String source, byte[] bytes, int length, long cut) {
        if (cut > 0) {
            truncated.increment(cut);
        }
        if (!withinBudget(length + 1)) { // the newline counts: a flood of empty lines spends the budget too
            return;
        }
        accept(level, source, new String(bytes, 0, length, StandardCharsets.UTF_8), cut);
    }

    /** A record of the SDK logger (or any text): cut, escaped, within the budget. */
    public void write(Level level, String source, String message) {
        int used = Math.min(message.length(), maxLineBytes);
        if (message.length() > used) {
            truncated.increment(message.length() - used);
        }
        if (!withinBudget(used + 1)) {
            return;
        }
        accept(level, source, message, 0);
    }

    /** Takes {@code bytes} from the byte budget; when it is spent, the line is dropped and counted. */
    private synchronized boolean withinBudget(int bytes) {
        long now = System.nanoTime();
        byteTokens = Math.min(byteBurst, byteTokens + (now - last) * bytesPerNano);
        tokens = Math.min(burst, tokens + (now - last) * perNano);
        last = now;
        if (byteTokens < bytes) {
            overBudgetSinceReport++;
            overBudget.increment(bytes);
            return false;
        }
        byteTokens -= bytes;
        return true;
    }

    private void accept(Level level, String source, String raw, long cut) {
        String message = PluginText.escape(raw, maxLineBytes, cut);
        long suppressed;
        long discarded;
        synchronized (this) {
            tail.addLast(new Line(Instant.now(), level.name(), source, message));
            tailBytes += message.length() + LINE_OVERHEAD;
            while (tail.size() > capacity || (tailBytes > keptBytes && tail.size() > 1)) {
                tailBytes -= tail.removeFirst().message().length() + LINE_OVERHEAD;
            }
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - last) * perNano);
            byteTokens = Math.min(byteBurst, byteTokens + (now - last) * bytesPerNano);
            last = now;
            if (tokens < 1) {
                droppedSinceReport++;
                dropped.increment();
                return;
            }
            tokens -= 1;
            // The summary of dropped lines is itself rate-limited: one every REPORT_EVERY at most.
            if ((droppedSinceReport > 0 || overBudgetSinceReport > 0) && now - lastReport >= REPORT_EVERY_NANOS) {
                suppressed = droppedSinceReport;
                discarded = overBudgetSinceReport;
                droppedSinceReport = 0;
                overBudgetSinceReport = 0;
                lastReport = now;
            } else {
                suppressed = 0;
                discarded = 0;
            }
        }
        try (MDC.MDCCloseable ignored = MDC.putCloseable("plugin", pluginId)) {
            if (suppressed > 0) {
                log.warn("[{}] {} lines of plugin {} were not logged: it exceeded plugins.logs.rate (they are in "
                        + "/api/plugins/{}/logs while they last)", pluginId, suppressed, pluginId, pluginId);
            }
            if (discarded > 0) {
                log.warn("[{}] {} lines of plugin {} were discarded: it exceeded plugins.logs.bytes-per-second",
                        pluginId, discarded, pluginId);
            }
            log.atLevel(level).log("[{}{}] {}", pluginId, source.equals("log") ? "" : " " + source, message);
        }
    }

    public synchronized List<Line> tail() {
        return new ArrayList<>(tail);
    }

    /**
     * @return the last {@code n} lines joined, to explain a failed start; a stack trace's frames are left out, so that
     *     its message is among them however deep the stack
     */
    public synchronized String last(int n) {
        List<String> meaningful = tail.stream().map(Line::message)
                .filter(m -> !STACK_FRAME.matcher(m).lookingAt()).toList();
        return String.join(" | ", meaningful.subList(Math.max(0, meaningful.size() - n), meaningful.size()));
    }

    /** A frame or the "... N more" line of a printed stack trace (its tab kept raw, or escaped as {@code \t}). */
    private static final java.util.regex.Pattern STACK_FRAME =
            java.util.regex.Pattern.compile("(\\\\t|\\s)*(at |\\.\\.\\. \\d+ more)");
}
