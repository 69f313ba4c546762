package dev.pluginhost.bench.work;

import dev.pluginhost.contract.v1.ConfigGrpc;
import dev.pluginhost.contract.v1.ConfigRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The bare baseline of a capability call: a grpc-java client in its own JVM calling Config/Get on a Unix socket
 * (grpc-netty-shaded epoll, directExecutor), with the same loop as the bench plugin. No sandbox, no guard, no limits,
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
        run(stub, threads, Long.parseLong(args[2]));
        System.out.println(run(stub, threads, Long.parseLong(args[3])));
        channel.shutdownNow();
        loop.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
        System.exit(0);
    }

    /** One timed loop on {@code threads} threads: "calls=.. seconds=.. callsPerSec=.. p50us=.. p99us=..". */
    public static String run(ConfigGrpc.ConfigBlockingStub stub, int threads, long millis) throws Exception {
        long[][] samples = new long[threads][];
        int[] counts = new int[threads];
        CountDownLatch go = new CountDownLatch(1);
        long[] window = new long[1];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            Thread w = new Thread(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                long end = window[0] + millis * 1_000_000L;
                while (true) {
                    long s = System.nanoTime();
                    if (s >= end) {
                        break;
                    }
                    stub.get(ConfigRequest.getDefaultInstance());
                    if (n == mine.length) {
                        mine = Arrays.copyOf(mine, n * 2);
                    }
                    mine[n++] = System.nanoTime() - s;
                }
                samples[index] = mine;
                counts[index] = n;
            });
            workers.add(w);
            w.start();
        }
        window[0] = System.nanoTime();
        go.countDown();
        for (Thread w : workers) {
            w.join();
        }
        long elapsed = System.nanoTime() - window[0];
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int t = 0; t < threads; t++) {
            System.arraycopy(samples[t], 0, all, at, counts[t]);
            at += counts[t];
        }
        Arrays.sort(all);
        return "calls=" + total + " seconds=" + elapsed / 1e9 + " callsPerSec=" + total / (elapsed / 1e9)
                + " p50us=" + all[total / 2] / 1e3 + " p99us=" + all[(int) Math.min(total - 1, total * 0.99)] / 1e3;
    }
}
