package dev.pluginhost.sdk.runtime;

import dev.pluginhost.sdk.CapabilityDeniedException;
import dev.pluginhost.sdk.KeyValueStore;
import dev.pluginhost.sdk.Operation;
import dev.pluginhost.sdk.PluginConfig;
import dev.pluginhost.sdk.PluginContext;
import dev.pluginhost.sdk.PluginEvents;
import dev.pluginhost.sdk.PluginHttp;
import dev.pluginhost.sdk.PluginLog;
import dev.pluginhost.sdk.contract.OperationNames;
import dev.pluginhost.contract.v1.CapabilityCheck;
import dev.pluginhost.contract.v1.CapabilityVerdict;
import dev.pluginhost.contract.v1.PluginChannelGrpc;
import io.grpc.Channel;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/** The {@link PluginContext} a plugin gets inside its sandboxed JVM: every capability is a call to the host. */
final class RuntimeContext implements PluginContext {

    private final RuntimeEnvironment env;
    /** The host channel for the plugin's own stubs: their callbacks run with the plugin's class loader. */
    private final Channel channel;
    private final Set<String> grants;
    private final PluginLog log;
    private final KeyValueStore kv;
    private final PluginConfig config;
    private final RemoteEvents events;
    private final PluginHttp http;
    private final Map<String, Operation> operations = new ConcurrentHashMap<>();

    RuntimeContext(RuntimeEnvironment env, Channel channel, Set<String> grants, RemoteLog log, Executor executor,
                   PluginLoaderContext loader) {
        this.env = env;
        this.channel = loader.channel(channel);
        this.grants = Set.copyOf(grants);
        this.log = log.logger(env.pluginId());
        this.kv = new RemoteKeyValue(channel);
        this.config = new RemoteConfig(channel);
        this.events = new RemoteEvents(channel, this.grants, executor, this.log);
        this.http = new RemoteHttp(channel);
    }

    @Override
    public String pluginId() {
        return env.pluginId();
    }

    @Override
    public String pluginVersion() {
        return env.pluginVersion();
    }

    @Override
    public void operation(String name, Operation operation) {
        if (!OperationNames.valid(name)) {
            throw new IllegalArgumentException("invalid operation name '" + name
                    + "': use 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit");
        }
        if (operation == null) {
            throw new IllegalArgumentException("operation '" + name + "' has no handler");
        }
        if (operations.putIfAbsent(name, operation) != null) {
            throw new IllegalArgumentException("operation '" + name + "' is registered twice");
        }
    }

    Map<String, Operation> operations() {
        return operations;
    }

    RemoteEvents remoteEvents() {
        return events;
    }

    @Override
    public PluginLog log() {
        return log;
    }

    @Override
    public KeyValueStore kv() {
        return kv;
    }

    @Override
    public PluginConfig config() {
        return config;
    }

    @Override
    public PluginEvents events() {
        return events;
    }

    @Override
    public PluginHttp http() {
        return http;
    }

    @Override
    public Set<String> grantedCapabilities() {
        return grants;
    }

    @Override
    public Channel channel(String capability) throws CapabilityDeniedException {
        if (capability == null || capability.isBlank()) {
            throw new IllegalArgumentException("name the capability the channel is for");
        }
        if (!grants.contains(capability)) {
            // Ask the host, which refuses and counts it like any refused call; its message says how to grant it.
            String message;
            try {
                CapabilityVerdict verdict = PluginChannelGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                        .checkCapability(CapabilityCheck.newBuilder().setCapability(capability).build());
                if (verdict.getGranted()) {
                    return channel;
                }
                message = verdict.getMessage();
            } catch (io.grpc.StatusRuntimeException e) {
                message = "plugin '" + env.pluginId() + "' was not granted capability '" + capability
                        + "' (granted: " + grants.stream().sorted().toList() + "); grant it with plugins.grants."
                        + env.pluginId() + "=" + capability;
            }
            throw new CapabilityDeniedException(capability, message);
        }
        return channel;
    }

    @Override
    public Path dataDirectory() {
        return env.dataDirectory();
    }
}
