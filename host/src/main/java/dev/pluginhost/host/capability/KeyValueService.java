package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.CompareAndSetRequest;
import dev.pluginhost.contract.v1.CompareAndSetResponse;
import dev.pluginhost.contract.v1.DeleteRequest;
import dev.pluginhost.contract.v1.DeleteResponse;
import dev.pluginhost.contract.v1.GetRequest;
import dev.pluginhost.contract.v1.GetResponse;
import dev.pluginhost.contract.v1.KeyValueGrpc;
import dev.pluginhost.contract.v1.ListRequest;
import dev.pluginhost.contract.v1.ListResponse;
import dev.pluginhost.contract.v1.PutRequest;
import dev.pluginhost.contract.v1.PutResponse;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** Capability {@code kv} for one plugin: every key is scoped to the connection's plugin id. */
final class KeyValueService extends KeyValueGrpc.KeyValueImplBase {

    static final int MAX_KEY_BYTES = 1024;
    static final int MAX_LIST = 1000;

    private final String plugin;
    private final KvStore store;
    private final Quota quota;

    /**
     * A plugin's kv quota.
     *
     * @param maxValueBytes the largest value
     * @param maxTotalBytes all its keys and values together
     */
    record Quota(int maxValueBytes, long maxTotalBytes) {
    }

    /** A write over the plugin's quota: RESOURCE_EXHAUSTED. */
    static final class QuotaExceededException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        QuotaExceededException(String message) {
            super(message);
        }
    }

    KeyValueService(String plugin, KvStore store, Quota quota) {
        this.plugin = plugin;
        this.store = store;
        this.quota = quota;
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> response) {
        answer(response, () -> store.get(plugin, key(request.getKey()))
                .map(v -> GetResponse.newBuilder().setFound(true).setValue(ByteString.copyFrom(v)).build())
                .orElse(GetResponse.getDefaultInstance()));
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> response) {
        answer(response, () -> write(request.getKey(), request.getValue(), (key, value) -> {
            store.put(plugin, key, value, quota.maxTotalBytes());
            return PutResponse.getDefaultInstance();
        }));
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> response) {
        answer(response, () -> DeleteResponse.newBuilder()
                .setExisted(store.delete(plugin, key(request.getKey()))).build());
    }

    @Override
    public void list(ListRequest request, StreamObserver<ListResponse> response) {
        // limit is a uint32: read as unsigned, or a large one turns negative (found by KvRequestFuzzTest)
        int limit = request.getLimit() == 0 ? MAX_LIST
                : (int) Math.min(Integer.toUnsignedLong(request.getLimit()), MAX_LIST);
        answer(response, () -> ListResponse.newBuilder()
                .addAllKeys(store.list(plugin, request.getPrefix(), limit)).build());
    }

    @Override
    public void compareAndSet(CompareAndSetRequest request, StreamObserver<CompareAndSetResponse> response) {
        answer(response, () -> write(request.getKey(), request.getValue(), (key, value) ->
                CompareAndSetResponse.newBuilder().setSwapped(store.compareAndSet(plugin, key,
                        request.getExpectAbsent() ? null : request.getExpected().toByteArray(), value,
                        quota.maxTotalBytes())).build()));
    }

    /** A write to the store, given a checked key and value. */
    @FunctionalInterface
    private interface Write<T> {
        T to(String key, byte[] value);
    }

    /** Checks the key and the value's size, writes, and words the store's quota refusal for the plugin. */
    private <T> T write(String key, ByteString value, Write<T> write) {
        String checkedKey = key(key);
        byte[] bytes = value.toByteArray();
        checkValueSize(bytes);
        try {
            return write.to(checkedKey, bytes);
        } catch (KvStore.QuotaExceededException e) {
            throw overQuota(e);
        }
    }

    /**
     * The value must fit the value cap. The total cap is the store's to check: it counts the plugin's bytes under a
     * lock in the database, so that hosts sharing the store share the quota (docs/fleet.md).
     */
    private void checkValueSize(byte[] value) {
        if (value.length > quota.maxValueBytes()) {
            throw new QuotaExceededException("a value of " + value.length + " bytes is larger than "
                    + "plugins.limits.kv-max-value-bytes (" + quota.maxValueBytes() + ")");
        }
    }

    private QuotaExceededException overQuota(KvStore.QuotaExceededException e) {
        return new QuotaExceededException("plugin '" + plugin + "' would store " + e.bytesAfter() + " bytes, more "
                + "than plugins.limits.kv-max-total-bytes (" + quota.maxTotalBytes() + ")");
    }

    private static String key(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key must be 1 to " + MAX_KEY_BYTES + " characters");
        }
        return key;
    }

    private static <T> void answer(StreamObserver<T> response, Supplier<T> work) {
        try {
            response.onNext(work.get());
            response.onCompleted();
        } catch (QuotaExceededException e) {
            response.onError(Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asException());
        } catch (IllegalArgumentException e) {
            response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException());
        } catch (RuntimeException e) {
            response.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asException());
        }
    }
}
