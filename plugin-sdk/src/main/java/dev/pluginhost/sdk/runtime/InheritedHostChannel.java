package dev.pluginhost.sdk.runtime;

import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollChannelConfig;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Netty channel over the host connection this JVM inherited: the launcher connected it before the sandbox closed
 * ({@code --connect}), so the plugin's policy refuses {@code socket} and {@code connect} and this channel must never
 * call them. gRPC still "connects" every channel it creates; here that is a no-op on a descriptor that is connected
 * already.
 */
final class InheritedHostChannel extends AbstractEpollStreamChannel {

    private final EpollChannelConfig config = new EpollChannelConfig(this) { };
    private final SocketAddress address;

    private InheritedHostChannel(int fd) {
        super(fd);
        this.address = address(fd);
    }

    /**
     * Creates the channel once. A second call (gRPC reconnecting after the host closed the connection) fails: the
     * descriptor is closed by then and its number may belong to another file, and a plugin whose host connection is
     * gone has nothing left to reconnect to.
     */
    static ChannelFactory<InheritedHostChannel> factory(int fd) {
        AtomicBoolean used = new AtomicBoolean();
        return () -> {
            if (used.getAndSet(true)) {
                throw new IllegalStateException("the host connection (descriptor " + fd + ") is closed and cannot be"
                        + " made again from inside the sandbox");
            }
            return new InheritedHostChannel(fd);
        };
    }

    /** The address gRPC is given for this channel; only a name in its logs. */
    static SocketAddress address(int fd) {
        return new DomainSocketAddress("inherited-fd-" + fd);
    }

    @Override
    public EpollChannelConfig config() {
        return config;
    }

    @Override
    protected boolean doConnect(SocketAddress remote, SocketAddress local) {
        return true; // connected by the launcher
    }

    @Override
    protected SocketAddress localAddress0() {
        return address;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return address;
    }
}
