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
 * {@link PluginLog} over the {@code log} capability: one client stream for the plugin's lifetime, so records keep
 * their order and a log call never waits for the host. If the stream breaks, records go to stderr, which the host
 * also collects.
 */
final class RemoteLog implements PluginLog {

    private final String logger;
    private final StreamObserver<LogRecord> stream;
    private volatile boolean broken;

    RemoteLog(Channel channel, String logger) {
        this.logger = logger;
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
    }

    @Override
    public void debug(String message, Object... args) {
        write(LogRecord.Level.DEBUG, message, args);
    }

    @Override
    public void info(String message, Object... args) {
        write(LogRecord.Level.INFO, message, args);
    }

    @Override
    public void warn(String message, Object... args) {
        write(LogRecord.Level.WARN, message, args);
    }

    @Override
    public void error(String message, Object... args) {
        write(LogRecord.Level.ERROR, message, args);
    }

    void close() {
        synchronized (stream) {
            if (!broken) {
                stream.onCompleted();
            }
        }
    }

    private void write(LogRecord.Level level, String message, Object[] args) {
        Throwable thrown = args.length > 0 && args[args.length - 1] instanceof Throwable t ? t : null;
        LogRecord.Builder record = LogRecord.newBuilder()
                .setLevel(level)
                .setLogger(logger)
                .setMessage(format(message, args))
                .setTimeMs(System.currentTimeMillis());
        if (thrown != null) {
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            record.setThrowable(trace.toString());
        }
        synchronized (stream) { // StreamObserver is not thread-safe; plugin threads log concurrently
            if (broken) {
                System.err.println(level + " " + record.getMessage());
                return;
            }
            stream.onNext(record.build());
        }
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
}
