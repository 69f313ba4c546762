package dev.pluginhost.sdk.runtime;

import dev.pluginhost.contract.v1.HandshakeRequest;
import dev.pluginhost.contract.v1.HandshakeResponse;
import dev.pluginhost.contract.v1.HostMessage;
import dev.pluginhost.contract.v1.Invocation;
import dev.pluginhost.contract.v1.InvocationResult;
import dev.pluginhost.contract.v1.LogGrpc;
import dev.pluginhost.contract.v1.LogRecord;
import dev.pluginhost.contract.v1.LogSummary;
import dev.pluginhost.contract.v1.PluginChannelGrpc;
import dev.pluginhost.contract.v1.PluginMessage;
import dev.pluginhost.contract.v1.Shutdown;
import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import dev.pluginhost.sdk.contract.Handshakes;
import dev.pluginhost.sdk.contract.LogStreams;
import dev.pluginhost.sdk.contract.SessionStreams;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.channel.unix.FileDescriptor;
import io.grpc.netty.shaded.io.netty.channel.unix.Socket;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A trusted training run for class-data sharing: the host runs this once, with {@code -XX:ArchiveClassesAtExit}, so
 * that every plugin JVM can map the runtime's classes from the archive instead of loading them (start time ×0.6,
 * docs/benchmarks.md). It plays both sides in one JVM: a minimal host on a Unix socket, and the real runtime path
 * (the inherited host connection and launch-secret descriptor, handshake, session, log stream, one invocation,
 * shutdown) with a no-op plugin. No plugin code ever runs here, so
 * the archive holds only the JDK's and the runtime's classes.
 */
public final class CdsTraining {

    private CdsTraining() {
    }

    /**
     * @param args the runtime jar, and a scratch folder for the socket and the data folder
     * @throws Exception when the run fails (the host then starts plugins without the archive)
     */
    public static void main(String[] args) throws Exception {
        Path runtimeJar = Path.of(args[0]);
        Path scratch = Files.createDirectories(Path.of(args[1]));
        Path socket = scratch.resolve("training.sock");
        Files.deleteIfExists(socket);
        PluginMain.quietTransport(); // as a plugin JVM's first step, before this run's own Netty classes
        EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(loop).workerEventLoopGroup(loop)
                .addService(new TrainingHost())
                .addService(new TrainingLog())
                .build().start();
        int code;
        try {
            // The plugin JVM's own path: a host connection already made (the launcher's --connect) and the launch
            // secret behind a descriptor, so that the classes of that path are in the archive too.
            Socket connection = Socket.newSocketDomain();
            connection.connect(new DomainSocketAddress(socket.toString()));
            FileDescriptor[] pipe = FileDescriptor.pipe(); // read end, write end, as the launcher's secrets.c
            java.nio.ByteBuffer secret = java.nio.ByteBuffer.allocateDirect(8).put("training".getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII)).flip();
            pipe[1].write(secret, 0, secret.limit());
            pipe[1].close();
            FileDescriptor secretFd = pipe[0];
            code = PluginMain.run(RuntimeEnvironment.from(Map.of(
                    RuntimeEnvironment.ID, "training", RuntimeEnvironment.VERSION, "0",
                    RuntimeEnvironment.CLASS, NoOp.class.getName(), RuntimeEnvironment.JAR, runtimeJar.toString(),
                    RuntimeEnvironment.HOST_FD, Integer.toString(connection.intValue()),
                    RuntimeEnvironment.SECRET_FD, Integer.toString(secretFd.intValue()),
                    RuntimeEnvironment.DATA_DIR, scratch.toString())));
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        System.exit(code);
    }

    /** The plugin of the training run: one operation, nothing else. */
    public static final class NoOp implements Plugin {
        @Override
        public void start(PluginContext context) {
            context.log().info("training");
            context.operation("noop", request -> Map.of("ok", request.text()));
        }
    }

    private static final class TrainingHost extends PluginChannelGrpc.PluginChannelImplBase {
        @Override
        public void handshake(HandshakeRequest request, StreamObserver<HandshakeResponse> response) {
            response.onNext(Handshakes.accepted(ContractVersion.MAX, "training", "", List.of("log")));
            response.onCompleted();
        }

        @Override
        public StreamObserver<PluginMessage> session(StreamObserver<HostMessage> toPlugin) {
            return SessionStreams.receive(new SessionStreams.Host() {
                @Override
                public void ready(List<String> operations) {
                    toPlugin.onNext(HostMessage.newBuilder().setInvocation(Invocation.newBuilder().setId("1")
                            .setOperation("noop").setContentType("application/json").setTimeoutMs(5000)).build());
                }

                @Override
                public void result(InvocationResult result) {
                    toPlugin.onNext(HostMessage.newBuilder().setShutdown(Shutdown.newBuilder().setGraceMs(1000))
                            .build());
                }

                @Override
                public void ended(Throwable error) {
                    if (error == null) {
                        toPlugin.onCompleted();
                    }
                }
            });
        }
    }

    private static final class TrainingLog extends LogGrpc.LogImplBase {
        @Override
        public StreamObserver<LogRecord> append(StreamObserver<LogSummary> response) {
            return LogStreams.receive(response, record -> { });
        }
    }
}
