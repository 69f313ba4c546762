package dev.pluginhost.bench;

import dev.pluginhost.contract.v1.HandshakeRequest;
import dev.pluginhost.contract.v1.HandshakeResponse;
import dev.pluginhost.contract.v1.HostMessage;
import dev.pluginhost.contract.v1.InvocationResult;
import dev.pluginhost.contract.v1.LogGrpc;
import dev.pluginhost.contract.v1.LogRecord;
import dev.pluginhost.contract.v1.LogSummary;
import dev.pluginhost.contract.v1.PluginChannelGrpc;
import dev.pluginhost.contract.v1.PluginMessage;
import dev.pluginhost.contract.v1.Shutdown;
import dev.pluginhost.sandbox.SandboxedProcess;
import dev.pluginhost.sdk.contract.Handshakes;
import dev.pluginhost.sdk.contract.LogStreams;
import dev.pluginhost.sdk.contract.SessionStreams;
import dev.pluginhost.sdk.runtime.ContractVersion;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The host's half of the plugin channel, and nothing else: the handshake (ending the launcher's boot phase first,
 * as the host does), the session (READY is the plugin's Ready message) and a log sink. Used to time launch → READY
 * without the host's Spring machinery in the way.
 */
final class FakeHost implements AutoCloseable {

    final CompletableFuture<SandboxedProcess> process = new CompletableFuture<>();
    final CompletableFuture<Long> ready = new CompletableFuture<>();
    private volatile StreamObserver<HostMessage> toPlugin;
    private final Server server;

    FakeHost(Path socket, EventLoopGroup boss, EventLoopGroup workers, boolean sandboxed) throws IOException {
        if (!sandboxed) {
            process.complete(null);
        }
        Files.deleteIfExists(socket);
        server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss).workerEventLoopGroup(workers)
                .directExecutor()
                .addService(new Channel())
                .addService(new Log())
                .build().start();
    }

    /** Asks the plugin to stop (it exits 0 after its grace period at most). */
    void shutdown() {
        StreamObserver<HostMessage> out = toPlugin;
        if (out != null) {
            out.onNext(HostMessage.newBuilder().setShutdown(Shutdown.newBuilder().setGraceMs(1000)).build());
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The host's half of the channel, from the contract's helpers, as the host and the test kit have it. */
    private final class Channel extends PluginChannelGrpc.PluginChannelImplBase {
        @Override
        public void handshake(HandshakeRequest request, StreamObserver<HandshakeResponse> response) {
            try {
                SandboxedProcess p = process.get(10, TimeUnit.SECONDS);
                if (p != null) {
                    p.endBootPhase();
                }
                int version = Handshakes.agree("bench", ContractVersion.MIN, ContractVersion.MAX, request);
                response.onNext(Handshakes.accepted(version, "bench", "bench", List.of("log")));
            } catch (Exception e) { // a launch that failed, or no common contract version (FAILED_PRECONDITION)
                response.onError(e);
                return;
            }
            response.onCompleted();
        }

        @Override
        public StreamObserver<PluginMessage> session(StreamObserver<HostMessage> out) {
            toPlugin = out;
            return SessionStreams.receive(new SessionStreams.Host() {
                @Override
                public void ready(List<String> operations) {
                    ready.complete(System.nanoTime());
                }

                @Override
                public void result(InvocationResult result) {
                    // the benchmark invokes nothing
                }

                @Override
                public void ended(Throwable error) {
                    if (error == null) {
                        out.onCompleted();
                    } else {
                        ready.completeExceptionally(error);
                    }
                }
            });
        }
    }

    /** Counts and drops the plugin's log records. */
    private static final class Log extends LogGrpc.LogImplBase {
        @Override
        public StreamObserver<LogRecord> append(StreamObserver<LogSummary> response) {
            return LogStreams.receive(response, record -> { });
        }
    }
}
