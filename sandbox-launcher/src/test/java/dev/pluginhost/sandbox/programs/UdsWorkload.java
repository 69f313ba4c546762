package dev.pluginhost.sandbox.programs;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A gRPC-like workload with the JDK only: an epoll Selector server and client threads doing request/response over a
 * Unix domain socket. Prints "calls N". Usage: UdsWorkload DIR [CALLS_PER_CLIENT]
 */
public final class UdsWorkload {
    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]).resolve("echo.sock");
        Files.deleteIfExists(socket);
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(address);
        server.configureBlocking(false);
        Selector selector = Selector.open();
        server.register(selector, SelectionKey.OP_ACCEPT);
        Thread loop = new Thread(() -> serve(selector), "event-loop");
        loop.setDaemon(true);
        loop.start();

        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<CompletableFuture<Integer>> done = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            done.add(CompletableFuture.supplyAsync(() -> client(address, calls), clients));
        }
        int total = 0;
        for (CompletableFuture<Integer> f : done) {
            total += f.join();
        }
        clients.shutdown();
        selector.close();
        server.close();
        Files.deleteIfExists(socket);
        System.out.println("calls " + total);
    }

    private static int client(UnixDomainSocketAddress address, int calls) {
        try (SocketChannel ch = SocketChannel.open(address)) {
            ByteBuffer buf = ByteBuffer.allocate(64);
            for (int i = 0; i < calls; i++) {
                buf.clear().putLong(i).flip();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                buf.clear().limit(8);
                while (buf.hasRemaining()) {
                    ch.read(buf);
                }
                if (buf.flip().getLong() != i) {
                    throw new IllegalStateException("bad echo");
                }
            }
            return calls;
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static void serve(Selector selector) {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        try {
            while (selector.isOpen()) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isAcceptable()) {
                        SocketChannel ch = ((ServerSocketChannel) key.channel()).accept();
                        if (ch != null) {
                            ch.configureBlocking(false);
                            ch.register(selector, SelectionKey.OP_READ);
                        }
                    } else if (key.isReadable()) {
                        SocketChannel ch = (SocketChannel) key.channel();
                        buf.clear();
                        if (ch.read(buf) < 0) {
                            key.cancel();
                            ch.close();
                            continue;
                        }
                        buf.flip();
                        while (buf.hasRemaining()) {
                            ch.write(buf);
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (Exception e) {
            // selector closed at shutdown
        }
    }
}
