package dev.pluginhost.host.capability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.contract.v1.HandshakeRequest;
import dev.pluginhost.contract.v1.LogGrpc;
import dev.pluginhost.contract.v1.PluginChannelGrpc;
import dev.pluginhost.host.PluginHostProperties;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameStream;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2HeadersFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2ResetFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2SettingsFrame;
import io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a plugin can do to the host with HTTP/2 on its own socket, below gRPC: the real {@link PluginServer} on a
 * real Unix socket with the host's event loops, and a raw HTTP/2 client, as a plugin's native code would speak it on
 * its inherited descriptor.
 */
class PluginSocketStreamsTest {

    @TempDir
    Path dir;

    private final EpollEventLoopGroup boss = new EpollEventLoopGroup(1);
    private final EpollEventLoopGroup workers = new EpollEventLoopGroup(2);
    private final ExecutorService calls = Executors.newCachedThreadPool();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        calls.shutdownNow();
    }

    /**
     * Half-sent messages on many streams. A message's 5-byte prefix announces 4 MiB (the largest the host takes), and
     * 1 MiB of it follows; the rest never comes. gRPC keeps what arrived until the message is whole, on every stream,
     * and a stream (here Log/Append, a client stream the plugin may open) is long-lived, not counted against the
     * plugin's calls in flight. On main nothing bounded the streams open at once on a plugin's socket: 300 such
     * streams held 463 MiB of the host's direct memory (measured with this test), and the call rate (1000 at once,
     * 500 a second) lets a plugin open thousands, each able to hold 4 MiB, until the host's direct memory, shared by
     * every plugin's socket, runs out. Now the socket advertises SETTINGS_MAX_CONCURRENT_STREAMS (the plugin's calls
     * in flight, its subscriptions and a few long-lived streams: 64 by default) and refuses any stream over it: 64
     * streams held, 97 MiB.
     */
    @Test
    void halfSentMessagesOnManyStreamsHoldABoundedPartOfTheHostsMemory() throws Exception {
        PluginHostProperties.Limits limits = PluginHostProperties.group(PluginHostProperties.Limits.class);
        CapabilityServices services = new CapabilityServices(null, new EventBus(), Map.of(), List.of(), limits);
        closing.add(services);
        PluginConnection connection = TestConnections.of("p", PluginGrants.effective(Set.of(), List.of()));
        Path socket = dir.resolve("host.sock");
        closing.add(PluginServer.start(connection, socket, services, boss, workers, calls));
        String token = handshake(connection, socket);

        RawClient client = new RawClient(socket);
        closing.add(client);
        long before = directMemory();
        int streams = 200;
        int sentPerStream = 1024 * 1024;
        for (int i = 0; i < streams; i++) {
            client.halfSend("/" + LogGrpc.getAppendMethod().getFullMethodName(), token, 4 * 1024 * 1024 - 1,
                    sentPerStream);
        }
        // Wait until every byte the host let in has arrived and been read by gRPC: the client's writes complete.
        client.flushed(streams, 60);
        Thread.sleep(500);
        long held = directMemory() - before;
        long open = streams - client.refused.get() - client.failedWrites.get();
        System.out.printf("half-sent streams: %d opened, %d refused by the host, %d not sent (over its "
                        + "MAX_CONCURRENT_STREAMS %s); direct memory held: %d MiB; first refusal: %s%n", open,
                client.refused.get(), client.failedWrites.get(), client.maxStreams, held >> 20, client.firstRefusal);
        // The default limits: 32 calls in flight, 16 subscriptions.
        assertThat(client.maxStreams).as("SETTINGS_MAX_CONCURRENT_STREAMS advertised by the plugin's socket")
                .isNotNull().isLessThanOrEqualTo(100L);
        assertThat(open).as("streams held open with a half-sent message").isLessThanOrEqualTo(100);
        assertThat(held >> 20).as("MiB of direct memory held by the host for half-sent messages")
                .isLessThan(128);
    }

    /** Netty's own count of the direct memory it allocated, else the JDK's direct buffer pool. */
    private static long directMemory() {
        long netty = PlatformDependent.usedDirectMemory();
        if (netty >= 0) {
            return netty;
        }
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    private String handshake(PluginConnection connection, Path socket) throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(workers).usePlaintext().build();
        try {
            return PluginChannelGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .handshake(HandshakeRequest.newBuilder().setPluginId("p")
                            .setLaunchSecret(connection.launchSecret()).setMinContractVersion(1)
                            .setMaxContractVersion(2).build()).getSessionToken();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** HTTP/2 frames written by hand on the plugin's socket: headers and data, no gRPC client in between. */
    private final class RawClient implements AutoCloseable {
        final AtomicLong refused = new AtomicLong();
        final AtomicLong failedWrites = new AtomicLong();
        volatile Long maxStreams;
        volatile String firstRefusal;
        private final Channel channel;
        private final Http2FrameCodec codec;
        private final Http2ChannelDuplexHandler frames;
        private final Map<Http2FrameStream, Boolean> answered = new ConcurrentHashMap<>();
        private final List<ChannelFuture> writes = new ArrayList<>();

        RawClient(Path socket) throws InterruptedException {
            codec = Http2FrameCodecBuilder.forClient().build();
            frames = new Http2ChannelDuplexHandler() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof Http2SettingsFrame settings
                            && settings.settings().maxConcurrentStreams() != null) {
                        maxStreams = settings.settings().maxConcurrentStreams();
                    } else if (msg instanceof Http2ResetFrame reset) {
                        count(reset.stream());
                    } else if (msg instanceof Http2HeadersFrame headers && headers.isEndStream()) {
                        count(headers.stream()); // trailers only: the call was closed
                        if (firstRefusal == null) {
                            firstRefusal = headers.headers().get("grpc-status") + " "
                                    + headers.headers().get("grpc-message");
                        }
                    }
                    io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil.release(msg);
                }
            };
            channel = new Bootstrap().group(workers).channel(EpollDomainSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(codec, frames);
                        }
                    }).connect(new DomainSocketAddress(socket.toString())).sync().channel();
            Thread.sleep(200); // the host's SETTINGS
        }

        private void count(Http2FrameStream stream) {
            if (answered.put(stream, true) == null) {
                refused.incrementAndGet();
            }
        }

        /** Opens a stream and sends the start of one message of {@code announced} bytes: {@code sent} of them. */
        void halfSend(String path, String token, int announced, int sent) {
            Http2FrameStream stream = frames.newStream();
            Http2Headers headers = new DefaultHttp2Headers().method("POST").scheme("http").path(path)
                    .authority("localhost").set("content-type", "application/grpc").set("te", "trailers")
                    .set("authorization", "Bearer " + token);
            ByteBuf data = Unpooled.buffer(5 + sent);
            data.writeByte(0).writeInt(announced).writeZero(sent);
            channel.eventLoop().execute(() -> {
                channel.write(new DefaultHttp2HeadersFrame(headers, false).stream(stream))
                        .addListener(f -> {
                            if (!f.isSuccess()) {
                                failedWrites.incrementAndGet();
                            }
                        });
                ChannelFuture write = channel.writeAndFlush(new DefaultHttp2DataFrame(data, false).stream(stream));
                synchronized (writes) {
                    writes.add(write);
                }
            });
        }

        /** Waits until every data write is done (sent, or failed because its stream was refused or not opened). */
        void flushed(int count, int seconds) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                synchronized (writes) {
                    if (writes.size() == count && writes.stream().allMatch(ChannelFuture::isDone)) {
                        return;
                    }
                }
                Thread.sleep(50);
            }
        }

        @Override
        public void close() throws InterruptedException {
            channel.close().sync();
        }
    }
}
