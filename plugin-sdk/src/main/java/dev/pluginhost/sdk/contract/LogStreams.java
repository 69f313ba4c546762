package dev.pluginhost.sdk.contract;

import dev.pluginhost.contract.v1.LogRecord;
import dev.pluginhost.contract.v1.LogSummary;
import io.grpc.stub.StreamObserver;
import java.util.function.Consumer;

/** The host's half of the log stream: each record to its sink, and the count of records when the plugin ends it. */
public final class LogStreams {

    private LogStreams() {
    }

    /**
     * @param response where the summary goes once the plugin completes the stream
     * @param sink takes each record, on the transport thread
     * @return the observer to return from {@code Log.append}
     */
    public static StreamObserver<LogRecord> receive(StreamObserver<LogSummary> response, Consumer<LogRecord> sink) {
        return new StreamObserver<>() {
            private long accepted;

            @Override
            public void onNext(LogRecord record) {
                accepted++;
                sink.accept(record);
            }

            @Override
            public void onError(Throwable t) {
                // the plugin went away: nothing to answer
            }

            @Override
            public void onCompleted() {
                response.onNext(LogSummary.newBuilder().setAccepted(accepted).build());
                response.onCompleted();
            }
        };
    }
}
