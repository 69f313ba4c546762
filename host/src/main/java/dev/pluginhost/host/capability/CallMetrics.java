package dev.pluginhost.host.capability;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Times every capability call of one plugin, whatever its outcome (refusals included), into
 * {@code plugin.capability.calls{plugin,capability,method,outcome}}. The outcome is the gRPC status code: bounded.
 * Each timer is resolved once per connection and kept (the plugin id is fixed; methods and codes are few).
 */
final class CallMetrics implements ServerInterceptor {

    private final PluginConnection connection;
    private final CapabilityCatalog catalog;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

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
                long took = System.nanoTime() - start;
                String outcome = status.getCode().name();
                timers.computeIfAbsent(capability + '/' + method + '/' + outcome, k -> connection.metrics()
                                .capabilityCalls(connection.pluginId(), capability, method, outcome))
                        .record(took, TimeUnit.NANOSECONDS);
                super.close(status, trailers);
            }
        }, headers);
    }
}
