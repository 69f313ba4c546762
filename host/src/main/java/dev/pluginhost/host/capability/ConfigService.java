package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.ConfigGrpc;
import dev.pluginhost.contract.v1.ConfigRequest;
import dev.pluginhost.contract.v1.ConfigResponse;
import io.grpc.stub.StreamObserver;
import java.util.Map;

/** Capability {@code config}: the plugin's own keys from {@code plugins.config.<id>.*}, nobody else's. */
final class ConfigService extends ConfigGrpc.ConfigImplBase {

    private final Map<String, String> values;

    ConfigService(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    @Override
    public void get(ConfigRequest request, StreamObserver<ConfigResponse> response) {
        response.onNext(ConfigResponse.newBuilder().putAllValues(values).build());
        response.onCompleted();
    }
}
