package dev.pluginhost.host;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** A web server on 127.0.0.1 answering one path with one body: the remote end of a plugin's granted http calls. */
final class LocalHttpServer implements AutoCloseable {

    private final HttpServer server;

    private LocalHttpServer(HttpServer server) {
        this.server = server;
    }

    /**
     * @param port the port, or 0 for any free one
     * @param contentType the reply's content type, or null for none
     */
    static LocalHttpServer serve(int port, String path, String contentType, String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        server.createContext(path, exchange -> {
            if (contentType != null) {
                exchange.getResponseHeaders().add("content-type", contentType);
            }
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return new LocalHttpServer(server);
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
