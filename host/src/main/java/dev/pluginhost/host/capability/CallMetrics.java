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
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Times every capability call of one plugin, whatever its outcome (refusals included), into
 * {@code plugin.capability.calls{plugin,capability,method,outcome}}. The outcome is the gRPC status code: bounded.
 * Each timer is resolved once per connection and kept (the plugin id is fixed; methods and codes are few), in a table
 * per method indexed by the status code: a call costs one lookup by the method's name and no string built.
 */
final class CallMetrics implements ServerInterceptor {

    private static final int CODES = Status.Code.values().length;

    private final PluginConnection connection;
    private final CapabilityCatalog catalog;
    /** Full method name → its timers; a method with no capability behind it maps to {@link #UNMETERED}. */
    private final Map<String, MethodTimers> methods = new ConcurrentHashMap<>();

    private static final MethodTimers UNMETERED = new MethodTimers(null, null);

    CallMetrics(PluginConnection connection, CapabilityCatalog catalog) {
        this.connection = connection;
        this.catalog = catalog;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        MethodTimers known = methods.get(call.getMethodDescriptor().getFullMethodName());
        MethodTimers timers = known != null ? known : resolve(call.getMethodDescriptor());
        if (timers == UNMETERED) {
            return next.startCall(call, headers);
        }
        long start = System.nanoTime();
        return next.startCall(new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                timers.of(status.getCode(), connection).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                super.close(status, trailers);
            }
        }, headers);
    }

    private MethodTimers resolve(io.grpc.MethodDescriptor<?, ?> descriptor) {
        return methods.computeIfAbsent(descriptor.getFullMethodName(), name -> catalog.capabilityOf(name)
                .map(capability -> new MethodTimers(capability, descriptor.getBareMethodName()))
                .orElse(UNMETERED));
    }

    /** The timers of one method, by status code, registered on first use. */
    private static final class MethodTimers {
        private final String capability;
        private final String method;
        private final AtomicReferenceArray<Timer> byCode = new AtomicReferenceArray<>(CODES);

        MethodTimers(String capability, String method) {
            this.capability = capability;
            this.method = method;
        }

        Timer of(Status.Code code, PluginConnection connection) {
            Timer timer = byCode.get(code.ordinal());
            if (timer == null) {
                // Two first calls may both register: Micrometer returns the one meter for the same id.
                timer = connection.metrics().capabilityCalls(connection.pluginId(), capability, method, code.name());
                byCode.set(code.ordinal(), timer);
            }
            return timer;
        }
    }
}
