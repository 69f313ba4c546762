package dev.pluginhost.sdk.contract;

import dev.pluginhost.contract.v1.HealthReport;
import dev.pluginhost.contract.v1.InvocationResult;
import dev.pluginhost.contract.v1.PluginMessage;
import dev.pluginhost.contract.v1.ThreadReport;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** The host's half of the session stream: what a plugin sends up, by kind. */
public final class SessionStreams {

    /** What a host does with each kind of message; a kind it does not handle is dropped. */
    public interface Host {
        /** The plugin started and registered these operations (once). */
        void ready(List<String> operations);

        /** The answer to an invocation, carrying its id. */
        void result(InvocationResult result);

        /** The answer to a ThreadQuery, carrying its id. */
        default void threadReport(ThreadReport report) {
        }

        /** The answer to a HealthCheck (contract version 2), carrying its id. */
        default void health(HealthReport report) {
        }

        /** The stream ended: {@code error} is null when the plugin completed it, else why it broke. */
        void ended(Throwable error);
    }

    private SessionStreams() {
    }

    /** @return the observer to return from {@code PluginChannel.Session} */
    public static StreamObserver<PluginMessage> receive(Host host) {
        return new StreamObserver<>() {
            @Override
            public void onNext(PluginMessage message) {
                switch (message.getKindCase()) {
                    case READY -> host.ready(List.copyOf(message.getReady().getOperationsList()));
                    case RESULT -> host.result(message.getResult());
                    case THREAD_REPORT -> host.threadReport(message.getThreadReport());
                    case HEALTH -> host.health(message.getHealth());
                    default -> { } // a newer runtime's message this host does not know: ignored, as protobuf intends
                }
            }

            @Override
            public void onError(Throwable t) {
                host.ended(t);
            }

            @Override
            public void onCompleted() {
                host.ended(null);
            }
        };
    }
}
