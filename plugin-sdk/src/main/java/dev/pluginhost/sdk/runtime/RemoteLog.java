package dev.pluginhost.sdk.runtime;

import dev.pluginhost.contract.v1.LogGrpc;
import dev.pluginhost.contract.v1.LogRecord;
import dev.pluginhost.contract.v1.LogSummary;
import dev.pluginhost.sdk.PluginLog;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * The {@code log} capability: one client stream for the plugin's lifetime, so records keep their order and a log call
 * never waits for the host. If the stream breaks, records go to stderr, which the host also collects. Both
 * {@link PluginLog} ({@link #logger(String)}) and SLF4J ({@link RuntimeSlf4jProvider}) write here.
 */
final class RemoteLog {

    /** The log SLF4J writes to: the most recently opened one in this JVM (a plugin JVM has exactly one). */
    private static volatile RemoteLog current;

    /** Set while this thread is sending a record: anything logged meanwhile (by the transport) is dropped. */
    private static final ThreadLocal<Boolean> SENDING = new ThreadLocal<>();

    private final String pluginId;
    private final StreamObserver<LogRecord> stream;
    private volatile boolean broken;

    RemoteLog(Channel channel, String pluginId) {
        this.pluginId = pluginId;
        this.stream = LogGrpc.newStub(channel).append(new StreamObserver<>() {
            @Override
            public void onNext(LogSummary value) {
            }

            @Override
            public void onError(Throwable t) {
                broken = true;
            }

            @Override
            public void onCompleted() {
                broken = true;
            }
        });
        current = this;
    }

    /** @return the log SLF4J should write to, or null before the runtime connected */
    static RemoteLog current() {
        return current;
    }

    /** @return a {@link PluginLog} writing records under the given logger name */
    PluginLog logger(String name) {
        return new Named(name);
    }

    void close() {
        synchronized (stream) {
            if (!broken) {
                broken = true;
                stream.onCompleted();
            }
        }
        if (current == this) {
            current = null;
        }
    }

    /** Writes one record; {@code message} is already formatted. */
    void write(LogRecord.Level level, String logger, String message, Throwable thrown) {
        if (SENDING.get() != null) {
            return;
        }
        LogRecord.Builder record = LogRecord.newBuilder()
                .setLevel(level)
                .setLogger(logger == null ? pluginId : logger)
                .setMessage(message == null ? "null" : message)
                .setTimeMs(System.currentTimeMillis());
        if (thrown != null) {
            record.setThrowable(stackTrace(thrown));
        }
        synchronized (stream) { // StreamObserver is not thread-safe; plugin threads log concurrently
            if (!broken) {
                SENDING.set(Boolean.TRUE);
                try {
                    stream.onNext(record.build());
                } finally {
                    SENDING.remove();
                }
                return;
            }
        }
        toStderr(pluginId, level, record.getLogger(), record.getMessage(), record.getThrowable());
    }

    static void toStderr(String pluginId, LogRecord.Level level, String logger, String message, String throwable) {
        System.err.println(level + " [" + pluginId + "] " + logger + " - " + message
                + (throwable == null || throwable.isEmpty() ? "" : System.lineSeparator() + throwable));
    }

    static String stackTrace(Throwable thrown) {
        StringWriter trace = new StringWriter();
        thrown.printStackTrace(new PrintWriter(trace));
        return trace.toString();
    }

    /** SLF4J-style {@code {}} placeholders; surplus arguments are ignored. */
    static String format(String message, Object[] args) {
        if (message == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(message.length() + 16);
        int arg = 0;
        int from = 0;
        int at;
        while ((at = message.indexOf("{}", from)) >= 0 && arg < args.length) {
            out.append(message, from, at).append(args[arg++]);
            from = at + 2;
        }
        return out.append(message, from, message.length()).toString();
    }

    private final class Named implements PluginLog {

        private final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        public void debug(String message, Object... args) {
            log(LogRecord.Level.DEBUG, message, args);
        }

        @Override
        public void info(String message, Object... args) {
            log(LogRecord.Level.INFO, message, args);
        }

        @Override
        public void warn(String message, Object... args) {
            log(LogRecord.Level.WARN, message, args);
        }

        @Override
        public void error(String message, Object... args) {
            log(LogRecord.Level.ERROR, message, args);
        }

        private void log(LogRecord.Level level, String message, Object[] args) {
            Throwable thrown = args.length > 0 && args[args.length - 1] instanceof Throwable t ? t : null;
            write(level, name, format(message, args), thrown);
        }
    }
}
