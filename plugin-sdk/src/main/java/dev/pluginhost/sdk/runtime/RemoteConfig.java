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
import java.util.concurrent.TimeUnit;

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
            return Collections.unmodifiableMap(new TreeMap<>(stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                    .get(ConfigRequest.getDefaultInstance()).getValuesMap()));
        } catch (StatusRuntimeException e) {
            throw Denials.translate("config", e);
        }
    }
}
