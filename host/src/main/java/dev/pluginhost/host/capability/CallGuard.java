package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.PluginChannelGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Every call on a plugin's socket passes here: the handshake goes through (it checks the launch secret itself), every
 * other call needs the session token, and a capability call needs a grant. A refused capability call returns
 * PERMISSION_DENIED with a message naming the plugin, the capability and the property that would grant it, and is
 * counted.
 */
final class CallGuard implements ServerInterceptor {

    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private static final ServerCall.Listener<Object> REFUSED = new ServerCall.Listener<>() { };

    private final PluginConnection connection;

    CallGuard(PluginConnection connection) {
        this.connection = connection;
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
        String service = call.getMethodDescriptor().getServiceName();
        if (PluginChannelGrpc.SERVICE_NAME.equals(service)) {
            return next.startCall(call, headers);
        }
        Capability capability = Capability.byService(service).orElse(null);
        if (capability == null) {
            return refuse(call, Status.UNIMPLEMENTED.withDescription("no capability behind service " + service));
        }
        if (!connection.granted(capability)) {
            String bare = call.getMethodDescriptor().getBareMethodName();
            connection.metrics().capabilityDenied(plugin, capability.id(), bare);
            String reason = connection.plugin().capabilities().contains(capability.id())
                    ? "the operator has not granted it"
                    : "its manifest does not request it (add it to Plugin-Capabilities) and the operator has not "
                            + "granted it";
            return refuse(call, Status.PERMISSION_DENIED.withDescription("plugin '" + plugin
                    + "' may not use capability '" + capability.id() + "' (" + service + "/" + bare + "): " + reason
                    + "; grant it with " + Grants.howToGrant(plugin, capability.id())));
        }
        return next.startCall(call, headers);
    }

    @SuppressWarnings("unchecked")
    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return (ServerCall.Listener<Q>) REFUSED;
    }
}
