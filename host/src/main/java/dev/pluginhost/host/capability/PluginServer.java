package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.ConfigGrpc;
import dev.pluginhost.contract.v1.PluginChannelGrpc;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server on one plugin's private Unix socket: the channel service and the capabilities, all behind the
 * {@link CallGuard}. Only that plugin is ever handed this socket's path.
 */
public final class PluginServer implements AutoCloseable {

    /** Unix socket paths longer than this do not fit {@code sockaddr_un.sun_path}. */
    static final int MAX_SOCKET_PATH = 107;

    /** Largest message a plugin may send: a kv value or an HTTP body fits, a memory-exhaustion attempt does not. */
    static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    /**
     * Calls that never block — they read memory the host already holds — and are served on the socket's event loop
     * thread, guard, limits and metrics included, without a hop onto the call executor and back (two thread wake-ups
     * per call; most of what a capability call cost above a bare gRPC echo). Everything else may block (a database,
     * an outbound request, an application's service) and runs on the executor, so an event loop never waits.
     */
    static final Set<String> NON_BLOCKING = Set.of(
            ConfigGrpc.getGetMethod().getFullMethodName(),
            PluginChannelGrpc.getCheckCapabilityMethod().getFullMethodName());

    private final Server server;
    private final Path socket;

    private PluginServer(Server server, Path socket) {
        this.server = server;
        this.socket = socket;
    }

    /**
     * Binds the plugin's socket and starts serving.
     *
     * @throws IOException when the socket cannot be bound (the message names the path)
     */
    public static PluginServer start(PluginConnection connection, Path socket, CapabilityServices services,
                                     EventLoopGroup boss, EventLoopGroup workers, Executor executor)
            throws IOException {
        if (socket.toString().getBytes().length > MAX_SOCKET_PATH) {
            throw new IOException("socket path " + socket + " is longer than " + MAX_SOCKET_PATH
                    + " bytes: set plugins.run-dir to a shorter folder");
        }
        Files.deleteIfExists(socket);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .directExecutor()
                .callExecutor(new io.grpc.ServerCallExecutorSupplier() {
                    @Override
                    public <Q, R> Executor getExecutor(io.grpc.ServerCall<Q, R> call, io.grpc.Metadata headers) {
                        return NON_BLOCKING.contains(call.getMethodDescriptor().getFullMethodName())
                                ? null : executor;
                    }
                })
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                // gRPC keeps a half-sent message (up to MAX_MESSAGE_BYTES) per stream until it is whole: bound the
                // streams, and so what one plugin's socket can hold (CapabilityServices#maxStreams).
                .maxConcurrentCallsPerConnection(services.maxStreams());
        services.servicesFor(connection).forEach(builder::addService);
        Server server = builder.build();
        try {
            server.start();
        } catch (IOException e) {
            throw new IOException("cannot bind plugin socket " + socket + ": " + e.getMessage(), e);
        }
        return new PluginServer(server, socket);
    }

    public Path socket() {
        return socket;
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // the run folder is removed at host stop anyway
        }
    }
}
