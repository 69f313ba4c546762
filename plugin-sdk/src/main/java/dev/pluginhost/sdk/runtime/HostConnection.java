package dev.pluginhost.sdk.runtime;

import dev.pluginhost.contract.v1.HandshakeRequest;
import dev.pluginhost.contract.v1.HandshakeResponse;
import dev.pluginhost.contract.v1.PluginChannelGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The plugin's one connection to its host: a gRPC channel over the plugin's private Unix socket (inherited already
 * connected from the launcher, or connected here outside a sandbox), authenticated by the handshake. Every call made through {@link #channel()} carries the session token.
 */
final class HostConnection implements AutoCloseable {

    /** Metadata key for the session token; the host checks it on every call but the handshake. */
    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel managed;
    private final Runnable afterClose;
    private final Channel authenticated;
    private final HandshakeResponse handshake;

    private HostConnection(ManagedChannel managed, Runnable afterClose, HandshakeResponse handshake) {
        this.managed = managed;
        this.afterClose = afterClose;
        this.handshake = handshake;
        this.authenticated = ClientInterceptors.intercept(managed, new BearerToken(handshake.getSessionToken()));
    }

    /**
     * Connects and shakes hands.
     *
     * @throws StatusRuntimeException when the host refuses (its message says why)
     */
    static HostConnection open(RuntimeEnvironment env) {
        return open(env, false);
    }

    /**
     * Connects and shakes hands.
     *
     * @param standby a standby launch: the host answers when it starts the plugin, so no deadline
     * @throws StatusRuntimeException when the host refuses (its message says why)
     */
    static HostConnection open(RuntimeEnvironment env, boolean standby) {
        // One event loop thread is plenty for one connection; daemon so it never keeps the JVM alive.
        EpollEventLoopGroup loop = new EpollEventLoopGroup(1, new DefaultThreadFactory("host-channel", true));
        NettyChannelBuilder builder = env.hostFd() >= 0
                // Connected by the launcher: the sandbox refuses socket and connect, and gRPC must never go idle
                // and "reconnect" (the descriptor can be used once).
                ? NettyChannelBuilder.forAddress(InheritedHostChannel.address(env.hostFd()))
                        .channelFactory(InheritedHostChannel.factory(env.hostFd()))
                        .idleTimeout(Long.MAX_VALUE, TimeUnit.DAYS)
                : NettyChannelBuilder.forAddress(new DomainSocketAddress(env.socket().toString()))
                        .channelType(EpollDomainSocketChannel.class);
        ManagedChannel channel = builder
                .eventLoopGroup(loop)
                .usePlaintext()
                .directExecutor()
                .build();
        try {
            return handshake(channel, env, standby, () -> loop.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        } catch (RuntimeException e) {
            loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /**
     * Shakes hands over an existing channel (the test kit's in-process one, or the socket channel above).
     *
     * @param afterClose run when the connection is closed, after the channel
     * @throws StatusRuntimeException when the host refuses (its message says why); the channel is shut down then
     */
    static HostConnection handshake(ManagedChannel channel, RuntimeEnvironment env, Runnable afterClose) {
        return handshake(channel, env, false, afterClose);
    }

    private static HostConnection handshake(ManagedChannel channel, RuntimeEnvironment env, boolean standby,
                                            Runnable afterClose) {
        try {
            PluginChannelGrpc.PluginChannelBlockingStub stub = PluginChannelGrpc.newBlockingStub(channel);
            HandshakeResponse response = (standby ? stub : stub.withDeadlineAfter(15, TimeUnit.SECONDS))
                    .handshake(HandshakeRequest.newBuilder()
                            .setPluginId(env.pluginId())
                            .setLaunchSecret(env.launchSecret())
                            .setMinContractVersion(ContractVersion.MIN)
                            .setMaxContractVersion(ContractVersion.MAX)
                            .setSdkVersion(ContractVersion.sdkVersion())
                            .build());
            return new HostConnection(channel, afterClose, response);
        } catch (RuntimeException e) {
            channel.shutdownNow();
            throw e;
        }
    }

    Channel channel() {
        return authenticated;
    }

    HandshakeResponse handshake() {
        return handshake;
    }

    @Override
    public void close() {
        managed.shutdown();
        try {
            managed.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        managed.shutdownNow();
        afterClose.run();
    }

    private static final class BearerToken implements ClientInterceptor {
        private final String value;

        BearerToken(String token) {
            this.value = "Bearer " + token;
        }

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    headers.put(AUTHORIZATION, value);
                    super.start(listener, headers);
                }
            };
        }
    }
}
