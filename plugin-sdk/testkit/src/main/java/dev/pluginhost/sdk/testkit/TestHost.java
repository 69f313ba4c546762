package dev.pluginhost.sdk.testkit;

import dev.pluginhost.sdk.runtime.Json;
import com.google.protobuf.ByteString;
import dev.pluginhost.contract.v1.HostMessage;
import dev.pluginhost.contract.v1.Invocation;
import dev.pluginhost.contract.v1.InvocationResult;
import dev.pluginhost.contract.v1.Shutdown;
import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.runtime.PluginRuntime;
import dev.pluginhost.sdk.runtime.RuntimeEnvironment;
import dev.pluginhost.sdk.runtime.TopicPatterns;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;

import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A plugin host in the test's own JVM: the real SDK runtime runs the plugin, connected over an in-process gRPC channel
 * to an in-memory implementation of the {@code pluginhost.v1} contract. Grants are enforced as on the real host, so a
 * call the plugin was not granted fails with {@code CapabilityDeniedException} and shows up in {@link #deniedCalls()}.
 *
 * <p>The plugin runs in the same class-loader arrangement as under the host: its classes in their own loader, which
 * gets only the SDK's API and the shared libraries (gRPC, protobuf, SLF4J) from the runtime, and which is the context
 * class loader wherever plugin code runs. So {@link #plugin()} is an instance of a class of that loader, not of the
 * test's: reach its state through its operations (or reflection), not by a cast to the test's class.
 *
 * <p>What it does not do: sandboxing. The plugin runs unconfined, in the test's JVM; a system call the real sandbox
 * forbids succeeds here. The host's own end-to-end tests cover the sandbox.
 *
 * <p>Usually injected by {@link PluginTest}; to start one by hand:
 * <pre>{@code
 * try (TestHost host = TestHost.builder(HelloPlugin.class).grant("kv").start()) {
 *     host.invoke("count");
 * }
 * }</pre>
 */
public final class TestHost implements AutoCloseable {

    private static final Duration INVOKE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(10);

    private final InMemoryHost state;
    private final Server server;
    private final PluginRuntime runtime;
    private final Plugin plugin;
    private final Path dataDirectory;
    private final AtomicLong invocationIds = new AtomicLong();
    private final List<String> operations;
    private boolean closed;

    private TestHost(InMemoryHost state, Server server, PluginRuntime runtime, Plugin plugin, Path dataDirectory,
                     List<String> operations) {
        this.state = state;
        this.server = server;
        this.runtime = runtime;
        this.plugin = plugin;
        this.dataDirectory = dataDirectory;
        this.operations = operations;
    }

    /**
     * @param plugin the plugin class, with a public no-argument constructor
     * @return a builder for a test host running that plugin
     */
    public static Builder builder(Class<? extends Plugin> plugin) {
        return new Builder(plugin);
    }

    /** @return the plugin's id */
    public String pluginId() {
        return state.pluginId;
    }

    /**
     * @return the plugin instance the runtime created, for white-box assertions: its class was loaded by the plugin's
     *     own class loader (see the class comment), so a cast to the test's plugin class fails
     */
    public Plugin plugin() {
        return plugin;
    }

    /** @return the operations the plugin registered, sorted, as it reported them when ready */
    public List<String> operations() {
        return operations;
    }

    /** @return the capabilities granted to the plugin, {@code log} included */
    public Set<String> grants() {
        return state.grants;
    }

    /** @return the plugin's data directory: a fresh temporary directory, deleted on {@link #close()} */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /**
     * Invokes an operation with an empty payload.
     *
     * @param operation the operation's name
     * @return the reply or failure
     */
    public Result invoke(String operation) {
        return invoke(operation, null);
    }

    /**
     * Invokes an operation, as {@code POST /api/plugins/{id}/invoke/{operation}} on the real host would.
     *
     * @param operation the operation's name
     * @param payload a {@link String} is sent as JSON text ({@code application/json}), a {@code byte[]} as is
     *     ({@code application/octet-stream}), {@code null} as an empty payload, anything else serialised as JSON
     * @return the reply or failure
     */
    public Result invoke(String operation, Object payload) {
        byte[] bytes;
        String type;
        if (payload == null) {
            bytes = new byte[0];
            type = "application/json";
        } else if (payload instanceof byte[] raw) {
            bytes = raw.clone();
            type = "application/octet-stream";
        } else if (payload instanceof CharSequence text) {
            bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            type = "application/json";
        } else {
            bytes = Json.write(payload).getBytes(StandardCharsets.UTF_8);
            type = "application/json";
        }
        String id = "inv-" + invocationIds.incrementAndGet();
        CompletableFuture<InvocationResult> result = new CompletableFuture<>();
        state.pending.put(id, result);
        state.send(HostMessage.newBuilder().setInvocation(Invocation.newBuilder()
                .setId(id)
                .setOperation(operation)
                .setPayload(ByteString.copyFrom(bytes))
                .setContentType(type)
                .setTimeoutMs(INVOKE_TIMEOUT.toMillis())).build());
        InvocationResult outcome;
        try {
            outcome = result.get(INVOKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            state.pending.remove(id);
            throw new AssertionError("operation '" + operation + "' did not answer within " + INVOKE_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for '" + operation + "'", e);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
        return outcome.hasFailure()
                ? Result.failure(outcome.getFailure().getCode(), outcome.getFailure().getMessage())
                : Result.reply(outcome.getReply().getPayload().toByteArray(), outcome.getReply().getContentType());
    }

    /**
     * Publishes an event to the plugin as the embedding application would (source {@code host}), and waits until
     * every subscription of the plugin that matches it has handled it.
     *
     * @param topic the topic
     * @param payload the payload, by the same rules as {@link #invoke(String, Object)}
     * @return how many of the plugin's subscriptions received it
     */
    public int publish(String topic, Object payload) {
        if (!TopicPatterns.isTopic(topic)) {
            throw new IllegalArgumentException("invalid topic '" + topic + "'");
        }
        byte[] bytes = payload instanceof byte[] raw ? raw.clone()
                : payload instanceof CharSequence text ? text.toString().getBytes(StandardCharsets.UTF_8)
                : Json.write(payload).getBytes(StandardCharsets.UTF_8);
        String type = payload instanceof byte[] ? "application/octet-stream" : "application/json";
        int received = state.deliver(state.event(topic, bytes, type, "host"));
        awaitEventsHandled();
        return received;
    }

    /** Waits until the plugin's handlers have handled every event delivered to it so far. */
    public void awaitEventsHandled() {
        long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
        while (runtime.eventsHandled() < state.deliveries.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the plugin's event handlers did not finish within " + EVENT_TIMEOUT
                        + " (handled " + runtime.eventsHandled() + " of " + state.deliveries.get() + ")");
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** @return the key-value store's contents, values decoded as UTF-8, sorted by key; a snapshot */
    public Map<String, String> kv() {
        Map<String, String> copy = new TreeMap<>();
        state.kv.forEach((key, value) -> copy.put(key, new String(value, StandardCharsets.UTF_8)));
        return Collections.unmodifiableMap(copy);
    }

    /** @return the key-value store itself, live and modifiable: seed it, or inspect binary values */
    public Map<String, byte[]> kvBytes() {
        return state.kv;
    }

    /**
     * Seeds the key-value store.
     *
     * @param key the key
     * @param value the value, stored as UTF-8
     * @return this
     */
    public TestHost kvPut(String key, String value) {
        state.kv.put(key, value.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** @return the plugin's configuration, live and modifiable: the next {@code config()} call sees changes */
    public Map<String, String> config() {
        return state.config;
    }

    /** @return the events the plugin published, in order */
    public List<TestEvent> publishedEvents() {
        return List.copyOf(state.published);
    }

    /** @return the capability calls refused so far, in order */
    public List<DeniedCall> deniedCalls() {
        return List.copyOf(state.denied);
    }

    /** @return the records the plugin logged so far, through {@code PluginLog} or SLF4J, in order */
    public List<LogEntry> logs() {
        return List.copyOf(state.logs);
    }

    /** @return the fake internet behind the {@code http} capability */
    public FakeHttp http() {
        return state.http;
    }

    /**
     * Serves an application-defined capability: the plugin reaches it with {@code context.channel(capability)} and
     * its generated stub. The grant is still needed ({@link Builder#grant(String...)}).
     *
     * @param capability the capability's name
     * @param service the service implementation, as the embedding application would declare it
     * @return this
     */
    public TestHost capability(String capability, BindableService service) {
        state.addCapability(capability, service);
        return this;
    }

    /**
     * Stops the plugin as the host would: sends shutdown, calls its {@code stop()}, closes the connection. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            state.send(HostMessage.newBuilder().setShutdown(Shutdown.newBuilder().setGraceMs(5_000)).build());
            runtime.ended().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the session already ended; stop anyway
        }
        runtime.close();
        server.shutdownNow();
        deleteRecursively(dataDirectory);
    }

    private static void deleteRecursively(Path directory) {
        try (var paths = Files.walk(directory)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory; best effort
        }
    }

    /** Configures and starts a {@link TestHost}. */
    public static final class Builder {

        private final Class<? extends Plugin> type;
        private String id;
        private final Set<String> grants = new LinkedHashSet<>();
        private final Map<String, String> config = new LinkedHashMap<>();
        private final Map<String, BindableService> capabilities = new LinkedHashMap<>();
        private final Map<String, String> kv = new LinkedHashMap<>();
        private boolean echoLogs = true;

        private Builder(Class<? extends Plugin> type) {
            this.type = type;
            this.id = defaultId(type);
        }

        /**
         * @param id the plugin id; by default derived from the class name ({@code HelloPlugin} → {@code hello})
         * @return this
         */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /**
         * @param capabilities capabilities to grant, as an operator would: {@code kv}, {@code config},
         *     {@code events.publish:orders.*}, {@code http:api.example.com}, ...
         * @return this
         */
        public Builder grant(String... capabilities) {
            for (String capability : capabilities) {
                grants.add(capability.trim());
            }
            return this;
        }

        /**
         * @param key a configuration key
         * @param value its value
         * @return this
         */
        public Builder config(String key, String value) {
            config.put(key, value);
            return this;
        }

        /**
         * @param entry a configuration entry as {@code key=value}
         * @return this
         */
        public Builder config(String entry) {
            int at = entry.indexOf('=');
            if (at <= 0) {
                throw new IllegalArgumentException("config entry '" + entry + "' is not key=value");
            }
            return config(entry.substring(0, at).trim(), entry.substring(at + 1).trim());
        }

        /**
         * Seeds the key-value store before the plugin starts, as state left by an earlier run would be.
         *
         * @param key the key
         * @param value the value, stored as UTF-8
         * @return this
         */
        public Builder kv(String key, String value) {
            kv.put(key, value);
            return this;
        }

        /**
         * Serves an application-defined capability from the start, so the plugin may call it in its {@code start}.
         *
         * @param capability the capability's name (grant it too)
         * @param service the service implementation
         * @return this
         */
        public Builder capability(String capability, BindableService service) {
            capabilities.put(capability, service);
            return this;
        }

        /**
         * @param echo whether the plugin's log records are also printed to stdout (default: yes)
         * @return this
         */
        public Builder echoLogs(boolean echo) {
            this.echoLogs = echo;
            return this;
        }

        /**
         * Starts the in-memory host, then the plugin on the real runtime, and waits until the plugin is ready.
         *
         * @return the running host
         * @throws Exception what the plugin's constructor or {@code start} threw
         */
        public TestHost start() throws Exception {
            InMemoryHost state = new InMemoryHost(id, grants, config, echoLogs);
            capabilities.forEach(state::addCapability);
            kv.forEach((key, value) -> state.kv.put(key, value.getBytes(StandardCharsets.UTF_8)));
            String name = InProcessServerBuilder.generateName();
            Server server = InProcessServerBuilder.forName(name)
                    .fallbackHandlerRegistry(state.registry)
                    .directExecutor()
                    .build()
                    .start();
            Path data = Files.createTempDirectory("plugin-" + id + "-");
            ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
            RuntimeEnvironment env = new RuntimeEnvironment(id, "test", type.getName(), null, null,
                    state.launchSecret, data);
            PluginRuntime runtime;
            try {
                runtime = PluginRuntime.connect(channel, env);
            } catch (RuntimeException e) {
                server.shutdownNow();
                throw e;
            }
            Plugin plugin;
            try {
                // As the host does: the plugin's classes in their own loader, which shares only what the runtime
                // shares; the runtime makes it the context class loader wherever plugin code runs.
                plugin = PluginRuntime.instantiate(PluginLoaders.of(type), type.getName());
                runtime.start(plugin);
            } catch (InvocationTargetException e) {
                runtime.close();
                server.shutdownNow();
                throw e.getCause() instanceof Exception cause ? cause : e;
            } catch (Exception | Error e) {
                runtime.close();
                server.shutdownNow();
                throw e;
            }
            List<String> operations;
            try {
                operations = state.ready.get(10, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                runtime.close();
                server.shutdownNow();
                throw new IllegalStateException("plugin " + id + " did not report ready within 10 s");
            }
            return new TestHost(state, server, runtime, plugin, data, operations);
        }

        static String defaultId(Class<?> type) {
            String name = type.getSimpleName();
            if (name.endsWith("Plugin") && name.length() > "Plugin".length()) {
                name = name.substring(0, name.length() - "Plugin".length());
            }
            return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
        }
    }

}
