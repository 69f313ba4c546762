package dev.pluginhost.host.logs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
 * {@code plugin.<id>} with the MDC key {@code plugin}, rate-limited so that a noisy plugin cannot flood the host,
 * and kept in a tail for {@code GET /api/plugins/{id}/logs}.
 */
public final class PluginLogSink {

    /**
     * One kept line.
     *
     * @param time when the host received it
     * @param level its level
     * @param source log (SDK), stdout or stderr
     * @param message the text
     */
    public record Line(Instant time, String level, String source, String message) {
    }

    private static final long REPORT_EVERY_NANOS = 10_000_000_000L;

    private final String pluginId;
    private final Logger log;
    private final int capacity;
    private final double perNano;
    private final double burst;
    private final Counter dropped;
    private final Deque<Line> tail = new ArrayDeque<>();
    private double tokens;
    private long last = System.nanoTime();
    private long droppedSinceReport;
    private long lastReport = System.nanoTime();

    /**
     * @param linesPerSecond sustained lines per second written to the host's log
     * @param burst lines above the rate written at once
     * @param capacity lines kept for the API
     */
    public PluginLogSink(String pluginId, int linesPerSecond, int burst, int capacity, MeterRegistry registry) {
        this.pluginId = pluginId;
        this.log = LoggerFactory.getLogger("plugin." + pluginId);
        this.capacity = capacity;
        this.perNano = linesPerSecond / 1e9;
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
        this.dropped = Counter.builder("plugin.logs.dropped")
                .description("Plugin log lines not written to the host's log because the plugin exceeded its rate")
                .tag("plugin", pluginId)
                .register(registry);
    }

    public void write(Level level, String source, String message) {
        long suppressed;
        synchronized (this) {
            if (tail.size() == capacity) {
                tail.removeFirst();
            }
            tail.addLast(new Line(Instant.now(), level.name(), source, message));
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - last) * perNano);
            last = now;
            if (tokens < 1) {
                droppedSinceReport++;
                dropped.increment();
                return;
            }
            tokens -= 1;
            // The summary of dropped lines is itself rate-limited: one every REPORT_EVERY at most.
            if (droppedSinceReport > 0 && now - lastReport >= REPORT_EVERY_NANOS) {
                suppressed = droppedSinceReport;
                droppedSinceReport = 0;
                lastReport = now;
            } else {
                suppressed = 0;
            }
        }
        try (MDC.MDCCloseable ignored = MDC.putCloseable("plugin", pluginId)) {
            if (suppressed > 0) {
                log.warn("{} lines of plugin {} were not logged: it exceeded plugins.logs.rate (they are in "
                        + "/api/plugins/{}/logs while they last)", suppressed, pluginId, pluginId);
            }
            log.atLevel(level).log("{}{}", source.equals("log") ? "" : "[" + source + "] ", message);
        }
    }

    public synchronized List<Line> tail() {
        return new ArrayList<>(tail);
    }

    /** @return the last {@code n} lines joined, to explain a failed start */
    public synchronized String last(int n) {
        List<Line> all = new ArrayList<>(tail);
        return String.join(" | ", all.subList(Math.max(0, all.size() - n), all.size()).stream()
                .map(Line::message).toList());
    }
}
