package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.LogGrpc;
import dev.pluginhost.contract.v1.LogRecord;
import dev.pluginhost.contract.v1.LogSummary;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Capability {@code log}: writes a plugin's records into the host's log, under the logger {@code plugin.<id>} and
 * with the MDC key {@code plugin}.
 */
final class LogService extends LogGrpc.LogImplBase {

    private final String pluginId;
    private final Logger log;

    LogService(String pluginId) {
        this.pluginId = pluginId;
        this.log = LoggerFactory.getLogger("plugin." + pluginId);
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
        try (MDC.MDCCloseable ignored = MDC.putCloseable("plugin", pluginId)) {
            switch (record.getLevel()) {
                case TRACE -> log.trace("{}", text);
                case DEBUG -> log.debug("{}", text);
                case WARN -> log.warn("{}", text);
                case ERROR -> log.error("{}", text);
                default -> log.info("{}", text);
            }
        }
    }
}
