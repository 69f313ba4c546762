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
import java.util.concurrent.atomic.AtomicLong;

/**
 * Limits on one plugin's unary capability calls: a rate (token bucket), a number in flight, and a deadline no call
 * that may block may exceed whatever the plugin asks (a call the host answers from memory on the event loop,
 * {@link PluginServer#NON_BLOCKING}, has nothing to wait for). A call over a limit is refused with RESOURCE_EXHAUSTED and counted, so a
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
    private final long defaultDeadlineNanos;
    private final long maxDeadlineNanos;

    CallLimits(PluginConnection connection, Limits limits,
               java.util.concurrent.ScheduledExecutorService scheduler) {
        this.connection = connection;
        this.limits = limits;
        this.scheduler = scheduler;
        this.inFlight = new Semaphore(limits.maxConcurrent());
        this.bucket = new TokenBucket(limits.ratePerSecond(), limits.burst());
        this.defaultDeadlineNanos = limits.defaultDeadline().toNanos();
        this.maxDeadlineNanos = limits.maxDeadline().toNanos();
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
        Context context = Context.current();
        Deadline asked = context.getDeadline();
        // No deadline timer of the host's: for a call answered from memory on the event loop as soon as its request
        // arrives there is nothing to bound (a plugin that holds such a call open holds one of its own places, under
        // plugins.limits.concurrency); for a call whose own context already ends at the plugin's deadline within the
        // maximum (gRPC set it from the call's timeout), a second timer would change nothing but cost a task.
        if (PluginServer.NON_BLOCKING.contains(call.getMethodDescriptor().getFullMethodName())
                || asked != null && asked.timeRemaining(TimeUnit.NANOSECONDS) <= maxDeadlineNanos) {
            Limited<Q, R> limited = new Limited<>(call, inFlight, null);
            return limited.listen(next.startCall(limited, headers));
        }
        Deadline deadline = asked == null
                ? Deadline.after(defaultDeadlineNanos, TimeUnit.NANOSECONDS)
                : Deadline.after(maxDeadlineNanos, TimeUnit.NANOSECONDS);
        Context.CancellableContext bounded = context.withDeadline(deadline, scheduler);
        Limited<Q, R> limited = new Limited<>(call, inFlight, bounded);
        return limited.listen(Contexts.interceptCall(bounded, limited, headers, next));
    }

    /**
     * One unary call in flight: its place is given back exactly once, when the call is closed, cancelled or
     * completed, whichever comes first; its bounded context, if it has one, is cancelled then too. One object per
     * call for both sides (the call and its listener).
     */
    private static final class Limited<Q, R> extends SimpleForwardingServerCall<Q, R> {
        private final Semaphore inFlight;
        private final Context.CancellableContext bounded;
        private final AtomicBoolean released = new AtomicBoolean();

        Limited(ServerCall<Q, R> call, Semaphore inFlight, Context.CancellableContext bounded) {
            super(call);
            this.inFlight = inFlight;
            this.bounded = bounded;
        }

        @Override
        public void close(Status status, Metadata trailers) {
            release();
            super.close(status, trailers);
        }

        private void release() {
            if (released.compareAndSet(false, true)) {
                inFlight.release();
            }
        }

        private void end() {
            release();
            if (bounded != null) {
                bounded.cancel(null);
            }
        }

        ServerCall.Listener<Q> listen(ServerCall.Listener<Q> listener) {
            return new SimpleForwardingServerCallListener<>(listener) {
                @Override
                public void onCancel() {
                    end();
                    super.onCancel();
                }

                @Override
                public void onComplete() {
                    end();
                    super.onComplete();
                }
            };
        }
    }

    /**
     * A token bucket of {@code burst} tokens refilled continuously at {@code ratePerSecond}, without a lock: its whole
     * state is one number, the time at which the bucket is full again (the "virtual scheduling" form of a token
     * bucket, GCRA). Taking a token moves that time one interval on, by compare-and-set; a take that would move it
     * more than {@code burst} intervals past now is refused. Every caller of a plugin takes from the same bucket, so
     * a lock here would be one they all queue on. The interval is whole nanoseconds (rates above 10^9/s act as 10^9/s).
     */
    static final class TokenBucket {
        private final long interval;
        private final long capacity;
        private final AtomicLong fullAt;

        TokenBucket(int ratePerSecond, int burst) {
            this.interval = Math.max(1, Math.round(1e9 / ratePerSecond));
            this.capacity = Math.max(1, burst) * interval;
            this.fullAt = new AtomicLong(System.nanoTime());
        }

        boolean tryTake() {
            long now = System.nanoTime();
            while (true) {
                long full = fullAt.get();
                long next = (full - now < 0 ? now : full) + interval;
                if (next - now > capacity) {
                    return false;
                }
                if (fullAt.compareAndSet(full, next)) {
                    return true;
                }
            }
        }
    }
}
