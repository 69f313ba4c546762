package dev.pluginhost.host.capability;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Optional;

/**
 * Who is calling: an application capability's service reads the calling plugin's id with {@link #current()}. The id
 * comes from the socket the call arrived on, never from the plugin's own words.
 */
public final class PluginCaller implements ServerInterceptor {

    private static final Context.Key<String> PLUGIN = Context.key("pluginhost.plugin");

    private final PluginConnection connection;

    PluginCaller(PluginConnection connection) {
        this.connection = connection;
    }

    /** @return the calling plugin's id, inside a capability call */
    public static Optional<String> current() {
        return Optional.ofNullable(PLUGIN.get());
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        return Contexts.interceptCall(Context.current().withValue(PLUGIN, connection.pluginId()), call, headers,
                next);
    }
}
