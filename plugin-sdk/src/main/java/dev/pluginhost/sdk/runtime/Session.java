package dev.pluginhost.sdk.runtime;

import com.google.protobuf.ByteString;
import dev.pluginhost.contract.v1.Failure;
import dev.pluginhost.contract.v1.HealthReport;
import dev.pluginhost.contract.v1.HostMessage;
import dev.pluginhost.contract.v1.Invocation;
import dev.pluginhost.contract.v1.InvocationResult;
import dev.pluginhost.contract.v1.PluginChannelGrpc;
import dev.pluginhost.contract.v1.PluginMessage;
import dev.pluginhost.contract.v1.Ready;
import dev.pluginhost.contract.v1.Reply;
import dev.pluginhost.sdk.CapabilityDeniedException;
import dev.pluginhost.sdk.Operation;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The plugin's side of the session stream: announces readiness, runs each invocation on the operation executor (never
 * on the transport thread), and sends results back. Ends when the host sends shutdown or the stream breaks.
 */
final class Session implements StreamObserver<HostMessage> {

    /** How the session ended: the host asked for it, or the connection broke. */
    enum End { SHUTDOWN, BROKEN }

    private final Map<String, Operation> operations;
    private final Executor executor;
    private final PluginThreads threads = new PluginThreads();
    private final CompletableFuture<End> ended = new CompletableFuture<>();
    private StreamObserver<PluginMessage> toHost;

    Session(Map<String, Operation> operations, Executor executor) {
        this.operations = operations;
        this.executor = executor;
    }

    CompletableFuture<End> open(Channel channel) {
        toHost = PluginChannelGrpc.newStub(channel).session(this);
        send(PluginMessage.newBuilder()
                .setReady(Ready.newBuilder().addAllOperations(operations.keySet().stream().sorted().toList()))
                .build());
        return ended;
    }

    @Override
    public void onNext(HostMessage message) {
        switch (message.getKindCase()) {
            case INVOCATION -> executor.execute(() -> send(PluginMessage.newBuilder()
                    .setResult(run(message.getInvocation()))
                    .build()));
            case SHUTDOWN -> ended.complete(End.SHUTDOWN);
            // On the operation executor, as an invocation would be: a plugin whose workers are all stuck fails it.
            case HEALTH_CHECK -> executor.execute(() -> send(PluginMessage.newBuilder()
                    .setHealth(HealthReport.newBuilder().setId(message.getHealthCheck().getId())).build()));
            // Answered here, on the transport thread: a stack walk is short, and the thread asked about may be one of
            // the operation executor's, busy or stuck.
            case THREAD_QUERY -> send(PluginMessage.newBuilder()
                    .setThreadReport(threads.report(message.getThreadQuery())).build());
            default -> { } // a newer host's message this runtime does not know: ignore, as protobuf intends
        }
    }

    @Override
    public void onError(Throwable t) {
        ended.complete(End.BROKEN);
    }

    @Override
    public void onCompleted() {
        ended.complete(End.BROKEN);
    }

    void close() {
        synchronized (this) {
            try {
                toHost.onCompleted();
            } catch (RuntimeException e) {
                // the stream is already gone
            }
        }
    }

    private synchronized void send(PluginMessage message) {
        toHost.onNext(message);
    }

    private InvocationResult run(Invocation invocation) {
        InvocationResult.Builder result = InvocationResult.newBuilder().setId(invocation.getId());
        Operation operation = operations.get(invocation.getOperation());
        if (operation == null) {
            return result.setFailure(failure("UNKNOWN_OPERATION", "no operation '" + invocation.getOperation()
                    + "'; this plugin has " + operations.keySet().stream().sorted().toList())).build();
        }
        threads.enter(invocation.getOperation());
        try {
            Object value = operation.handle(new PayloadRequest(invocation.getOperation(),
                    invocation.getContentType(), invocation.getPayload().toByteArray()));
            return result.setReply(reply(value)).build();
        } catch (IllegalArgumentException e) {
            return result.setFailure(failure("BAD_REQUEST", String.valueOf(e.getMessage()))).build();
        } catch (CapabilityDeniedException e) {
            return result.setFailure(failure("CAPABILITY_DENIED", e.getMessage())).build();
        } catch (Exception | LinkageError | StackOverflowError e) {
            return result.setFailure(failure("PLUGIN_ERROR", e.toString())).build();
        } finally {
            threads.exit();
        }
    }

    private static Reply reply(Object value) {
        if (value == null) {
            return Reply.getDefaultInstance();
        }
        Payloads.Encoded encoded = Payloads.encode(value);
        return Reply.newBuilder().setPayload(ByteString.copyFrom(encoded.bytes()))
                .setContentType(encoded.contentType()).build();
    }

    private static Failure failure(String code, String message) {
        return Failure.newBuilder().setCode(code).setMessage(message).build();
    }
}
