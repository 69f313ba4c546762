package dev.pluginhost.sdk;

import io.grpc.Channel;
import java.nio.file.Path;
import java.util.Set;

/**
 * The plugin's view of its host, handed to {@link Plugin#start(PluginContext)}. Everything a plugin may do outside
 * its own JVM goes through here: every capability is a call to the host, checked against the plugin's grants. A call
 * the plugin was not granted throws the checked {@link CapabilityDeniedException}, whose message names the plugin,
 * the capability and the operator setting that would grant it; the host counts it too.
 *
 * <p>The context is thread-safe and valid for the plugin's lifetime; keep it in a field.
 */
public interface PluginContext {

    /** @return the plugin's id, from its manifest */
    String pluginId();

    /** @return the plugin's version, from its manifest */
    String pluginVersion();

    /**
     * Registers an operation. Register all operations in {@link Plugin#start(PluginContext)}; the host learns the
     * list when the plugin reports ready.
     *
     * @param name the operation's name: letters, digits, {@code -}, {@code _} and {@code .}
     * @param operation the handler
     * @throws IllegalArgumentException for an invalid or duplicate name
     */
    void operation(String name, Operation operation);

    /** @return the plugin's log (capability {@code log}, always granted) */
    PluginLog log();

    /** @return the plugin's key-value store (capability {@code kv}) */
    KeyValueStore kv();

    /** @return the plugin's configuration, set by the operator (capability {@code config}) */
    PluginConfig config();

    /** @return topics to publish to and subscribe on (capabilities {@code events.publish:*}, {@code events.subscribe:*}) */
    PluginEvents events();

    /** @return outbound HTTP through the host, to granted hosts only (capabilities {@code http:<host>}) */
    PluginHttp http();

    /**
     * The capabilities the host granted this plugin at the handshake: what its manifest requests and the operator
     * allows. Useful for diagnostics and for degrading gracefully; the host checks every call regardless.
     *
     * @return the granted capability names, for example {@code [log, kv, http:api.example.com]}
     */
    Set<String> grantedCapabilities();

    /**
     * A gRPC channel to an application-defined capability: the embedding application declares a gRPC service as a
     * capability, the plugin generates a stub from the same {@code .proto} and calls it over this channel, which
     * carries the plugin's session token:
     *
     * <pre>{@code
     * InventoryGrpc.InventoryBlockingStub inventory = InventoryGrpc.newBlockingStub(context.channel("inventory"));
     * }</pre>
     *
     * <p>The plugin's generated stubs use the runtime's {@code io.grpc} and {@code com.google.protobuf} classes:
     * declare {@code grpc-stub}, {@code grpc-protobuf} and {@code protobuf-java} with scope {@code provided}. A call the
     * host refuses anyway fails with {@code io.grpc.StatusRuntimeException} and status {@code PERMISSION_DENIED}.
     *
     * @param capability the capability's name, as the application declares it and the manifest requests it
     * @return a channel for generated stubs; calls on it go to the host, over the plugin's private socket
     * @throws CapabilityDeniedException when the capability is not granted (the host counts the refusal)
     */
    Channel channel(String capability) throws CapabilityDeniedException;

    /**
     * @return a directory private to this plugin that survives restarts, the only place it may write files besides
     *     the temporary directory
     */
    Path dataDirectory();
}
