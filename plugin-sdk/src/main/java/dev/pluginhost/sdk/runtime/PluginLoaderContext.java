package dev.pluginhost.sdk.runtime;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;

/**
 * Makes the plugin's class loader the context class loader wherever plugin code runs: its constructor and
 * {@code start}/{@code stop}, operations, event handlers, and the callbacks of calls it makes on a capability channel.
 * Libraries find their services through the context class loader ({@code ServiceLoader.load(type)},
 * {@code DriverManager}'s drivers, JAXB, Jackson modules...); with the runtime's loader there, a plugin's own bundled
 * services are invisible. Threads the plugin starts inherit its loader from the thread that starts them.
 */
final class PluginLoaderContext {

    private final ClassLoader loader;

    PluginLoaderContext(ClassLoader loader) {
        this.loader = loader;
    }

    /** Runs {@code task} with the plugin's loader as the context class loader, restoring the previous one after. */
    <T> T call(Callable<T> task) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return task.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    void run(Runnable task) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            task.run();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** @return an executor that runs each task with the plugin's loader (a pooled thread may have had another) */
    Executor executor(Executor delegate) {
        return task -> delegate.execute(() -> run(task));
    }

    /** @return the channel, whose calls' callbacks (replies, stream messages, close) run with the plugin's loader */
    Channel channel(Channel channel) {
        return ClientInterceptors.intercept(channel, new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                         Channel next) {
                return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        super.start(new SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onHeaders(Metadata metadata) {
                                run(() -> super.onHeaders(metadata));
                            }

                            @Override
                            public void onMessage(R message) {
                                run(() -> super.onMessage(message));
                            }

                            @Override
                            public void onClose(Status status, Metadata trailers) {
                                run(() -> super.onClose(status, trailers));
                            }

                            @Override
                            public void onReady() {
                                run(super::onReady);
                            }
                        }, headers);
                    }
                };
            }
        });
    }
}
