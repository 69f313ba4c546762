package dev.pluginhost.sdk.runtime;

import dev.pluginhost.sdk.KeyValueStore;
import dev.pluginhost.sdk.Operation;
import dev.pluginhost.sdk.PluginContext;
import dev.pluginhost.sdk.PluginLog;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** The {@link PluginContext} a plugin gets inside its sandboxed JVM: every capability is a call to the host. */
final class RuntimeContext implements PluginContext {

    private static final Pattern OPERATION_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final RuntimeEnvironment env;
    private final RemoteLog log;
    private final KeyValueStore kv;
    private final Map<String, Operation> operations = new ConcurrentHashMap<>();

    RuntimeContext(RuntimeEnvironment env, RemoteLog log, KeyValueStore kv) {
        this.env = env;
        this.log = log;
        this.kv = kv;
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
        if (name == null || !OPERATION_NAME.matcher(name).matches()) {
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

    @Override
    public PluginLog log() {
        return log;
    }

    @Override
    public KeyValueStore kv() {
        return kv;
    }

    @Override
    public Path dataDirectory() {
        return env.dataDirectory();
    }
}
