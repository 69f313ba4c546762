package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.PluginChannelGrpc;
import dev.pluginhost.sdk.contract.Denials;
import dev.pluginhost.sdk.contract.Scopes;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Every call on a plugin's socket passes here: the handshake goes through (it checks the launch secret itself), every
 * other call needs the session token, and a capability call needs a grant of that capability. A refused capability
 * call returns PERMISSION_DENIED with a message naming the plugin, the capability and the property that would grant
 * it, and is counted. Scoped capabilities (topics, hosts) are checked by their service, which sees the scope and checks
 * first of all that the plugin has a grant of the capability at all ({@link #ungranted}).
 */
final class CallGuard implements ServerInterceptor {

    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private static final ServerCall.Listener<Object> REFUSED = new ServerCall.Listener<>() { };

    private final PluginConnection connection;
    private final CapabilityCatalog catalog;

    CallGuard(PluginConnection connection, CapabilityCatalog catalog) {
        this.connection = connection;
        this.catalog = catalog;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        if (method.equals(PluginChannelGrpc.getHandshakeMethod().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        String plugin = connection.pluginId();
        if (!connection.tokenMatches(headers.get(AUTHORIZATION))) {
            connection.metrics().authenticationFailed(plugin, "token");
            return refuse(call, Status.UNAUTHENTICATED.withDescription("missing or wrong session token on the socket "
                    + "of plugin '" + plugin + "': call Handshake first"));
        }
        if (PluginChannelGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        String capability = catalog.capabilityOf(method).orElse(null);
        if (capability == null) {
            return refuse(call, Status.UNIMPLEMENTED.withDescription("no capability behind " + method));
        }
        // A scoped capability is refused by its service, which reads the scope and names it (events.publish:
        // orders.created): the refusal then says which grant would allow the call, as the test kit's does.
        if (!connection.grants().has(capability) && !CapabilityCatalog.scoped(capability)) {
            String bare = call.getMethodDescriptor().getBareMethodName();
            return refuse(call, denied(connection, capability, bare, "", call.getMethodDescriptor().getServiceName()));
        }
        return next.startCall(call, headers);
    }

    /**
     * Counts a refused capability call and builds its status.
     *
     * @param scope the topic or host that was refused, or empty
     */
    static Status denied(PluginConnection connection, String capability, String method, String scope,
                         String service) {
        return denied(connection, capability, method, scope, service, capability);
    }

    /**
     * @param label the capability as counted: a name of the catalog (bounded), never a name only the plugin chose
     */
    static Status denied(PluginConnection connection, String capability, String method, String scope,
                         String service, String label) {
        String plugin = connection.pluginId();
        connection.metrics().capabilityDenied(plugin, label, method);
        String wanted = scope.isEmpty() ? capability : capability + ":" + scope;
        boolean requested = connection.plugin().capabilities().stream()
                .map(Grant::parse).anyMatch(g -> g.capability().equals(capability)
                        && (scope.isEmpty() || Scopes.admits(g.scope(), scope)));
        return Status.PERMISSION_DENIED.withDescription(Denials.message(plugin, wanted, service, method,
                requested ? Denials.NOT_GRANTED : Denials.NOT_REQUESTED));
    }

    /**
     * The first check of a scoped capability's service: with no grant of the capability at all, the call is refused
     * before anything else is looked at, naming the scope when it is well-formed.
     *
     * @param scope the topic, pattern or host the call asks for, or empty when it is not well-formed
     * @return the refusal, or null when the plugin has some grant of the capability
     */
    static Status ungranted(PluginConnection connection, String capability, String method, String scope,
                            String service) {
        return connection.grants().has(capability) ? null : denied(connection, capability, method, scope, service);
    }

    @SuppressWarnings("unchecked")
    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return (ServerCall.Listener<Q>) REFUSED;
    }
}
