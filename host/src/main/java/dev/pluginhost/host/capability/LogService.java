package dev.pluginhost.host.capability;

import com.google.protobuf.ByteString;
import dev.pluginhost.contract.v1.LogGrpc;
import dev.pluginhost.contract.v1.LogRecord;
import dev.pluginhost.contract.v1.LogSummary;
import dev.pluginhost.host.logs.PluginLogSink;
import dev.pluginhost.sdk.contract.LogStreams;
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
        return LogStreams.receive(response, this::write);
    }

    /**
     * Only the first {@code plugins.logs.max-line-bytes} of a record are decoded; a record's message and stack trace
     * (up to the 4 MiB of a gRPC message) are never copied whole.
     */
    private void write(LogRecord record) {
        ByteString message = record.getMessageBytes();
        ByteString thrown = record.getThrowableBytes().isEmpty() ? ByteString.EMPTY
                : ByteString.copyFromUtf8("\n").concat(record.getThrowableBytes());
        long total = (long) message.size() + thrown.size();
        byte[] kept = new byte[(int) Math.min(total, sink.maxLineBytes())];
        int fromMessage = Math.min(message.size(), kept.length);
        message.copyTo(kept, 0, 0, fromMessage);
        thrown.copyTo(kept, 0, fromMessage, kept.length - fromMessage);
        Level level = switch (record.getLevel()) {
            case TRACE -> Level.TRACE;
            case DEBUG -> Level.DEBUG;
            case WARN -> Level.WARN;
            case ERROR -> Level.ERROR;
            default -> Level.INFO;
        };
        sink.output(level, "log", kept, kept.length, total - kept.length);
    }
}
