package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.ConfigGrpc;
import dev.pluginhost.contract.v1.ConfigRequest;
import dev.pluginhost.contract.v1.ConfigResponse;
import io.grpc.stub.StreamObserver;
import java.util.Map;

/** Capability {@code config}: the plugin's own keys from {@code plugins.config.<id>.*}, nobody else's. */
final class ConfigService extends ConfigGrpc.ConfigImplBase {

    /** The plugin's keys do not change while it runs: the answer is built once, not on every call. */
    private final ConfigResponse answer;

    ConfigService(Map<String, String> values) {
        this.answer = ConfigResponse.newBuilder().putAllValues(values).build();
    }

    @Override
    public void get(ConfigRequest request, StreamObserver<ConfigResponse> response) {
        response.onNext(answer);
        response.onCompleted();
    }
}
