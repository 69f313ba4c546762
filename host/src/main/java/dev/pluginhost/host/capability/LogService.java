package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.LogGrpc;
import dev.pluginhost.contract.v1.LogRecord;
import dev.pluginhost.contract.v1.LogSummary;
import dev.pluginhost.host.logs.PluginLogSink;
import io.grpc.stub.StreamObserver;
import org.slf4j.event.Level;

/**
 * Capability {@code log}: a plugin's records into the host's log through its {@link PluginLogSink}.
 */
final class LogService extends LogGrpc.LogImplBase {

    private final PluginLogSink sink;

    LogService(PluginLogSink sink) {
        this.sink = sink;
    }

    @Override
    public StreamObserver<LogRecord> append(StreamObserver<LogSummary> response) {
        return new StreamObserver<>() {
            private long accepted;

            @Override
            public void onNext(LogRecord record) {
                accepted++;
                write(record);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                response.onNext(LogSummary.newBuilder().setAccepted(accepted).build());
                response.onCompleted();
            }
        };
    }

    private void write(LogRecord record) {
        String text = record.getThrowable().isEmpty() ? record.getMessage()
                : record.getMessage() + System.lineSeparator() + record.getThrowable();
        Level level = switch (record.getLevel()) {
            case TRACE -> Level.TRACE;
            case DEBUG -> Level.DEBUG;
            case WARN -> Level.WARN;
            case ERROR -> Level.ERROR;
            default -> Level.INFO;
        };
        sink.write(level, "log", text);
    }
}
