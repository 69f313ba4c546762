package dev.pluginhost.sdk.runtime;

import dev.pluginhost.sdk.Plugin;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One plugin's runtime, connected to its host: the handshake, the capability clients, the session that receives
 * invocations, and the orderly stop. {@link PluginMain} runs it over the plugin's Unix socket; the SDK's test kit runs
 * the same code over an in-process channel, so a plugin behaves in its tests as it does under the host.
 *
 * <p>Runtime internals: plugin authors never use this class.
 */
public final class PluginRuntime implements AutoCloseable {

    private final RuntimeEnvironment env;
    private final HostConnection host;
    private final RemoteLog log;
    private final ExecutorService executor = Executors.newCachedThreadPool(daemonThreads("plugin"));
    private RuntimeContext context;
    private PluginLoaderContext loader;
    private Plugin plugin;
    private Session session;
    private CompletableFuture<Session.End> ended;
    private boolean stopped;

    private PluginRuntime(RuntimeEnvironment env, HostConnection host) {
        this.env = env;
        this.host = host;
        this.log = new RemoteLog(host.channel(), env.pluginId());
    }

    /**
     * Connects over the plugin's Unix socket ({@link RuntimeEnvironment#socket()}) and shakes hands.
     *
     * @param env what the host told the plugin JVM
     * @return the connected runtime
     * @throws StatusRuntimeException when the host refuses or cannot be reached (the message says why)
     */
    static PluginRuntime connect(RuntimeEnvironment env) {
        return connect(env, false);
    }

    /**
     * @param standby a standby launch ({@link RuntimeEnvironment#STANDBY}): waits for the handshake's answer, which
     *     the host gives when it starts the plugin, without a deadline
     */
    static PluginRuntime connect(RuntimeEnvironment env, boolean standby) {
        return new PluginRuntime(env, HostConnection.open(env, standby));
    }

    /**
     * Shakes hands over an existing channel, which the runtime owns from now on and shuts down on {@link #close()}.
     *
     * @param channel a channel to a host serving the {@code pluginhost.v1} contract
     * @param env the plugin's environment; only the id, version, launch secret and data directory are used
     * @return the connected runtime
     * @throws StatusRuntimeException when the host refuses (the message says why)
     */
    public static PluginRuntime connect(ManagedChannel channel, RuntimeEnvironment env) {
        return new PluginRuntime(env, HostConnection.handshake(channel, env, () -> { }));
    }

    /**
     * Loads and creates the plugin, its static initialisers and constructor running with {@code loader} as the
     * context class loader, as all plugin code does.
     *
     * @param loader the plugin's class loader ({@link PluginClassLoader})
     * @param className the plugin's entry class, from its manifest's {@code Plugin-Class}
     * @return the plugin, not started
     * @throws Exception what loading or constructing the class threw
     */
    public static Plugin instantiate(ClassLoader loader, String className) throws Exception {
        return new PluginLoaderContext(loader).call(() -> {
            Class<?> type = Class.forName(className, true, loader);
            if (!Plugin.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException("Plugin-Class " + className + " does not implement "
                        + Plugin.class.getName());
            }
            return (Plugin) type.getConstructor().newInstance();
        });
    }

    /** @return the capabilities the host granted at the handshake */
    public Set<String> grantedCapabilities() {
        return Set.copyOf(host.handshake().getGrantedCapabilitiesList());
    }

    /**
     * Starts the plugin and then opens the session, which tells the host the plugin is ready and its operations.
     * The plugin's class loader is the context class loader of its {@code start} and {@code stop}, its operations,
     * its event handlers and its capability calls' callbacks.
     *
     * @param plugin the plugin, freshly created
     * @throws Exception what the plugin's {@link Plugin#start} threw; the session is not opened then
     */
    public synchronized void start(Plugin plugin) throws Exception {
        if (this.plugin != null) {
            throw new IllegalStateException("already started");
        }
        this.plugin = plugin;
        loader = new PluginLoaderContext(plugin.getClass().getClassLoader());
        Executor pluginExecutor = loader.executor(executor);
        context = new RuntimeContext(env, host.channel(), grantedCapabilities(), log, pluginExecutor, loader);
        loader.call(() -> {
            plugin.start(context);
            return null;
        });
        session = new Session(context.operations(), pluginExecutor);
        ended = session.open(host.channel());
    }

    /** @return the operations the plugin registered, sorted; empty before {@link #start} */
    public List<String> operations() {
        return context == null ? List.of() : context.operations().keySet().stream().sorted().toList();
    }

    /**
     * @return completes when the session ends: {@code true} when the host asked the plugin to stop, {@code false}
     *     when the connection broke
     */
    public CompletableFuture<Boolean> ended() {
        if (ended == null) {
            throw new IllegalStateException("not started");
        }
        return ended.thenApply(end -> end == Session.End.SHUTDOWN);
    }

    /** @return how many event deliveries the plugin's handlers have finished, successfully or not */
    public long eventsHandled() {
        return context == null ? 0 : context.remoteEvents().handled();
    }

    /**
     * Stops the plugin (its {@link Plugin#stop()}, when it started), ends its subscriptions, the session, the log and
     * the connection. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (plugin != null && session != null) {
            try {
                loader.call(() -> {
                    plugin.stop();
                    return null;
                });
            } catch (Exception | LinkageError e) {
                log.logger(env.pluginId()).error("stop failed: {}", e.toString(), e);
            }
        }
        if (context != null) {
            context.remoteEvents().close();
        }
        executor.shutdown();
        log.close();
        if (session != null) {
            session.close();
        }
        host.close();
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
