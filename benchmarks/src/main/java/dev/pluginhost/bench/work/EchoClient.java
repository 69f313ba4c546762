package dev.pluginhost.bench.work;

import dev.pluginhost.contract.v1.ConfigGrpc;
import dev.pluginhost.contract.v1.ConfigRequest;
import dev.pluginhost.bench.plugin.TimedLoop;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;

/**
 * The bare baseline of a capability call: a grpc-java client in its own JVM calling Config/Get on a Unix socket
 * (grpc-netty-shaded epoll, directExecutor), with the same loop as the bench plugin ({@link TimedLoop}). No sandbox, no guard, no limits,
 * no metrics. Arguments: socket, threads, warm-up ms, measured ms. Prints one line of key=value pairs.
 */
public final class EchoClient {
    private EchoClient() {
    }

    public static void main(String[] args) throws Exception {
        String socket = args[0];
        int threads = Integer.parseInt(args[1]);
        EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket))
                .eventLoopGroup(loop).channelType(EpollDomainSocketChannel.class)
                .usePlaintext().directExecutor().build();
        ConfigGrpc.ConfigBlockingStub stub = ConfigGrpc.newBlockingStub(channel);
        String warm = run(stub, threads, Long.parseLong(args[2]));
        System.out.println(run(stub, threads, Long.parseLong(args[3])) + " warmupCalls="
                + warm.substring("calls=".length(), warm.indexOf(' ')));
        channel.shutdownNow();
        loop.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
        System.exit(0);
    }

    /** One timed loop on {@code threads} threads: "calls=.. seconds=.. callsPerSec=.. p50us=.. p99us=..". */
    public static String run(ConfigGrpc.ConfigBlockingStub stub, int threads, long millis) throws Exception {
        TimedLoop.Result r = TimedLoop.run(() -> stub.get(ConfigRequest.getDefaultInstance()), threads, millis);
        return "calls=" + r.calls() + " seconds=" + r.seconds() + " callsPerSec=" + r.callsPerSec()
                + " p50us=" + r.p50us() + " p99us=" + r.p99us() + " cpuUsPerCall=" + r.cpuUsPerCall();
    }
}
