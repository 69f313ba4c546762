package dev.pluginhost.sandbox;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A pathname Unix socket anyone may connect to (mode 0777), as a host's or a database's socket would be: the target
 * a sandboxed program must not reach. Each client is answered on a daemon thread; {@link #close()} stops it.
 */
final class UnixServer implements AutoCloseable {

    /** What the server does with one client. */
    @FunctionalInterface
    interface Answer {
        void answer(SocketChannel client) throws IOException;
    }

    private final ServerSocketChannel server;

    private UnixServer(ServerSocketChannel server) {
        this.server = server;
    }

    /** Greets every client with the line {@code greeting}. */
    static UnixServer greeting(Path path, String greeting) throws IOException {
        return serve(path, greeting, client -> client.write(ascii(greeting + "\n")));
    }

    /** Reads what a client sends (up to 64 bytes) and answers {@code echo <it>}. */
    static UnixServer echo(Path path) throws IOException {
        return serve(path, "echo", client -> {
            ByteBuffer in = ByteBuffer.allocate(64);
            client.read(in);
            client.write(ascii("echo " + new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII)));
        });
    }

    private static UnixServer serve(Path path, String name, Answer answer) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxrwxrwx"));
        Thread t = new Thread(() -> {
            while (server.isOpen()) {
                try (SocketChannel client = server.accept()) {
                    answer.answer(client);
                } catch (IOException e) {
                    return;
                }
            }
        }, "uds-" + name);
        t.setDaemon(true);
        t.start();
        return new UnixServer(server);
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
