package dev.pluginhost.host.capability;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Times every capability call of one plugin, whatever its outcome (refusals included), into
 * {@code plugin.capability.calls{plugin,capability,method,outcome}}. The outcome is the gRPC status code: bounded.
 */
final class CallMetrics implements ServerInterceptor {

    private final PluginConnection connection;
    private final CapabilityCatalog catalog;

    CallMetrics(PluginConnection connection, CapabilityCatalog catalog) {
        this.connection = connection;
        this.catalog = catalog;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        String capability = catalog.capabilityOf(call.getMethodDescriptor().getFullMethodName()).orElse(null);
        if (capability == null) {
            return next.startCall(call, headers);
        }
        long start = System.nanoTime();
        String method = call.getMethodDescriptor().getBareMethodName();
        return next.startCall(new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                connection.metrics().capabilityCall(connection.pluginId(), capability, method,
                        status.getCode().name(), System.nanoTime() - start);
                super.close(status, trailers);
            }
        }, headers);
    }
}
