package dev.pluginhost.sdk.runtime;

import com.google.protobuf.ByteString;
import dev.pluginhost.contract.v1.CompareAndSetRequest;
import dev.pluginhost.contract.v1.DeleteRequest;
import dev.pluginhost.contract.v1.GetRequest;
import dev.pluginhost.contract.v1.GetResponse;
import dev.pluginhost.contract.v1.KeyValueGrpc;
import dev.pluginhost.contract.v1.ListRequest;
import dev.pluginhost.contract.v1.PutRequest;
import dev.pluginhost.sdk.CapabilityDeniedException;
import dev.pluginhost.sdk.KeyValueStore;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** {@link KeyValueStore} over the {@code kv} capability. */
final class RemoteKeyValue implements KeyValueStore {

    private final KeyValueGrpc.KeyValueBlockingStub stub;

    RemoteKeyValue(Channel channel) {
        this.stub = KeyValueGrpc.newBlockingStub(channel);
    }

    private KeyValueGrpc.KeyValueBlockingStub call() {
        return stub.withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @Override
    public Optional<byte[]> get(String key) throws CapabilityDeniedException {
        try {
            GetResponse response = call().get(GetRequest.newBuilder().setKey(key).build());
            return response.getFound() ? Optional.of(response.getValue().toByteArray()) : Optional.empty();
        } catch (StatusRuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public void put(String key, byte[] value) throws CapabilityDeniedException {
        try {
            call().put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFrom(value)).build());
        } catch (StatusRuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public boolean delete(String key) throws CapabilityDeniedException {
        try {
            return call().delete(DeleteRequest.newBuilder().setKey(key).build()).getExisted();
        } catch (StatusRuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public List<String> list(String prefix) throws CapabilityDeniedException {
        try {
            return List.copyOf(call().list(ListRequest.newBuilder().setPrefix(prefix).build()).getKeysList());
        } catch (StatusRuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public boolean compareAndSet(String key, byte[] expected, byte[] value) throws CapabilityDeniedException {
        CompareAndSetRequest.Builder request = CompareAndSetRequest.newBuilder()
                .setKey(key)
                .setValue(ByteString.copyFrom(value));
        if (expected == null) {
            request.setExpectAbsent(true);
        } else {
            request.setExpected(ByteString.copyFrom(expected));
        }
        try {
            return call().compareAndSet(request.build()).getSwapped();
        } catch (StatusRuntimeException e) {
            throw translate(e);
        }
    }

    private static CapabilityDeniedException translate(StatusRuntimeException e) {
        return Denials.translate("kv", e);
    }
}
