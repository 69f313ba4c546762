package dev.pluginhost.host;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** A web server on 127.0.0.1: the remote end of a plugin's granted http calls, and of the http client's own tests. */
public final class LocalHttpServer implements AutoCloseable {

    private final HttpServer server;

    private LocalHttpServer(HttpServer server) {
        this.server = server;
    }

    /**
     * @param port the port, or 0 for any free one
     * @return a running server that answers nothing until {@link #answer} or {@link #redirect} add a path
     */
    public static LocalHttpServer start(int port) {
        try {
            return open(port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
    }

    /**
     * @param port the port, or 0 for any free one
     * @param contentType the reply's content type, or null for none
     */
    static LocalHttpServer serve(int port, String path, String contentType, String body) throws IOException {
        return open(port).answer(path, contentType, exchange -> body);
    }

    private static LocalHttpServer open(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.start();
        return new LocalHttpServer(server);
    }

    /**
     * Answers {@code path} and what is under it with 200 and a body.
     *
     * @param contentType the reply's content type, or null for none
     * @param body the body, from the request (it may also note what it was sent)
     */
    public LocalHttpServer answer(String path, String contentType, Function<HttpExchange, String> body) {
        server.createContext(path, exchange -> {
            byte[] bytes = body.apply(exchange).getBytes(StandardCharsets.UTF_8);
            if (contentType != null) {
                exchange.getResponseHeaders().add("content-type", contentType);
            }
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        return this;
    }

    /** Answers {@code path} with a 302 to {@code location}. */
    public LocalHttpServer redirect(String path, String location) {
        server.createContext(path, exchange -> {
            exchange.getResponseHeaders().add("Location", location);
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
