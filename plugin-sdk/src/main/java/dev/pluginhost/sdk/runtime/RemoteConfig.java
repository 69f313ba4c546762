package dev.pluginhost.sdk.runtime;

import dev.pluginhost.contract.v1.ConfigGrpc;
import dev.pluginhost.contract.v1.ConfigRequest;
import dev.pluginhost.sdk.CapabilityDeniedException;
import dev.pluginhost.sdk.PluginConfig;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** {@link PluginConfig} over the {@code config} capability. */
final class RemoteConfig implements PluginConfig {

    private final ConfigGrpc.ConfigBlockingStub stub;

    RemoteConfig(Channel channel) {
        this.stub = ConfigGrpc.newBlockingStub(channel);
    }

    @Override
    public Optional<String> get(String key) throws CapabilityDeniedException {
        return Optional.ofNullable(all().get(key));
    }

    @Override
    public Map<String, String> all() throws CapabilityDeniedException {
        try {
            // No deadline: the host answers Config/Get from memory on its socket's event loop, so there is nothing
            // to wait for but the connection, whose end fails the call. A deadline would cost a timer on this
            // channel's event loop and another on the host's, on every call.
            return Collections.unmodifiableMap(new TreeMap<>(stub.get(ConfigRequest.getDefaultInstance())
                    .getValuesMap()));
        } catch (StatusRuntimeException e) {
            throw Denials.translate("config", e);
        }
    }
}
