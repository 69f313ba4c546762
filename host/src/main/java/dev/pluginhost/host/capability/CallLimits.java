package dev.pluginhost.host.capability;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Limits on one plugin's unary capability calls: a rate (token bucket), a number in flight, and a deadline no call
 * may exceed whatever the plugin asks. A call over a limit is refused with RESOURCE_EXHAUSTED and counted, so a
 * flooding plugin slows only itself. Opening a stream (the session, logs, a subscription) takes from the rate too; an
 * open stream is long-lived, so it is neither in flight nor under a deadline, and its service bounds what flows on it.
 */
final class CallLimits implements ServerInterceptor {

    /**
     * @param ratePerSecond sustained calls per second
     * @param burst calls allowed at once above the rate
     * @param maxConcurrent calls in flight at once
     * @param defaultDeadline deadline for calls that set none
     * @param maxDeadline the longest deadline a call gets
     */
    record Limits(int ratePerSecond, int burst, int maxConcurrent, Duration defaultDeadline, Duration maxDeadline) {
    }

    private static final ServerCall.Listener<Object> REFUSED = new ServerCall.Listener<>() { };

    private final PluginConnection connection;
    private final Limits limits;
    private final java.util.concurrent.ScheduledExecutorService scheduler;
    private final Semaphore inFlight;
    private final TokenBucket bucket;

    CallLimits(PluginConnection connection, Limits limits,
               java.util.concurrent.ScheduledExecutorService scheduler) {
        this.connection = connection;
        this.limits = limits;
        this.scheduler = scheduler;
        this.inFlight = new Semaphore(limits.maxConcurrent());
        this.bucket = new TokenBucket(limits.ratePerSecond(), limits.burst());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        String plugin = connection.pluginId();
        boolean stream = call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.UNARY;
        if (!bucket.tryTake()) {
            connection.metrics().callRejected(plugin, "rate");
            call.close(Status.RESOURCE_EXHAUSTED.withDescription("plugin '" + plugin + "' exceeded its call rate ("
                    + limits.ratePerSecond() + "/s, burst " + limits.burst() + "; plugins.limits.rate)"),
                    new Metadata());
            return (ServerCall.Listener<Q>) REFUSED;
        }
        if (stream) {
            // Opening a stream costs a call against the rate; what it may do while open is limited by its service
            // (plugins.events.*, plugins.logs.*), and it is not in flight or under a deadline for its lifetime.
            return next.startCall(call, headers);
        }
        if (!inFlight.tryAcquire()) {
            connection.metrics().callRejected(plugin, "concurrency");
            call.close(Status.RESOURCE_EXHAUSTED.withDescription("plugin '" + plugin + "' has "
                    + limits.maxConcurrent() + " calls in flight already (plugins.limits.concurrency)"),
                    new Metadata());
            return (ServerCall.Listener<Q>) REFUSED;
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                inFlight.release();
            }
        };
        ServerCall<Q, R> releasing = new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                release.run();
                super.close(status, trailers);
            }
        };
        Context context = Context.current();
        Deadline max = Deadline.after(limits.maxDeadline().toNanos(), TimeUnit.NANOSECONDS);
        Deadline asked = context.getDeadline();
        ServerCall.Listener<Q> listener;
        Runnable end;
        if (asked != null && asked.compareTo(max) <= 0) {
            // The call's own context already ends at the plugin's deadline (gRPC set it from the call's timeout):
            // a second deadline timer per call would change nothing but cost a scheduled task.
            listener = next.startCall(releasing, headers);
            end = release;
        } else {
            Deadline deadline = asked == null
                    ? Deadline.after(limits.defaultDeadline().toNanos(), TimeUnit.NANOSECONDS)
                    : asked.minimum(max);
            Context.CancellableContext bounded = context.withDeadline(deadline, scheduler);
            listener = Contexts.interceptCall(bounded, releasing, headers, next);
            end = () -> {
                release.run();
                bounded.cancel(null);
            };
        }
        return new SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                end.run();
                super.onCancel();
            }

            @Override
            public void onComplete() {
                end.run();
                super.onComplete();
            }
        };
    }

    /** A token bucket refilled continuously; thread-safe. */
    static final class TokenBucket {
        private final double perNano;
        private final double capacity;
        private double tokens;
        private long last = System.nanoTime();

        TokenBucket(int ratePerSecond, int burst) {
            this.perNano = ratePerSecond / 1e9;
            this.capacity = Math.max(1, burst);
            this.tokens = capacity;
        }

        synchronized boolean tryTake() {
            long now = System.nanoTime();
            tokens = Math.min(capacity, tokens + (now - last) * perNano);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
