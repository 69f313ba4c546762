package dev.pluginhost.host.capability;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.pluginhost.contract.v1.CompareAndSetRequest;
import dev.pluginhost.contract.v1.DeleteRequest;
import dev.pluginhost.contract.v1.GetRequest;
import dev.pluginhost.contract.v1.GetResponse;
import dev.pluginhost.contract.v1.ListRequest;
import dev.pluginhost.contract.v1.ListResponse;
import dev.pluginhost.contract.v1.PutRequest;
import dev.pluginhost.fuzz.FuzzBounds;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Set;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzz target: the {@code kv} capability's requests as the host receives them: protobuf bytes the plugin wrote,
 * decoded and handed to the service, on the real store (H2, as the host runs it, in memory here). Every call answers
 * with a value or with INVALID_ARGUMENT (a bad key) or RESOURCE_EXHAUSTED (over the quota), each with a description,
 * never UNAVAILABLE (the store failing on a plugin's input) or an exception; within {@link FuzzBounds}. A written
 * value reads back the same, and a second plugin on the same store never sees the first one's keys.
 */
class KvRequestFuzzTest {

    private static final Set<Status.Code> DOCUMENTED = Set.of(Status.Code.INVALID_ARGUMENT,
            Status.Code.RESOURCE_EXHAUSTED);

    private static KeyValueService fuzzed;
    private static KeyValueService other;

    @BeforeAll
    static void store() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:kv-fuzz;DB_CLOSE_DELAY=-1");
        JdbcKvStore store = new JdbcKvStore(h2);
        KeyValueService.Quota quota = new KeyValueService.Quota(64 * 1024, 1024 * 1024);
        fuzzed = new KeyValueService("fuzzed", store, quota);
        other = new KeyValueService("other", store, quota);
        Answer<Object> put = new Answer<>();
        other.put(PutRequest.newBuilder().setKey("mine").setValue(com.google.protobuf.ByteString.copyFromUtf8("x"))
                .build(), cast(put));
        assertThat(put.error).isNull();
    }

    @FuzzTest
    void answersWithAValueOrADocumentedStatus(FuzzedDataProvider data) {
        int kind = data.consumeInt(0, 4);
        byte[] bytes = data.consumeRemainingAsBytes();
        Message request;
        try {
            request = switch (kind) {
                case 0 -> PutRequest.parseFrom(bytes);
                case 1 -> GetRequest.parseFrom(bytes);
                case 2 -> DeleteRequest.parseFrom(bytes);
                case 3 -> ListRequest.parseFrom(bytes);
                default -> CompareAndSetRequest.parseFrom(bytes);
            };
        } catch (InvalidProtocolBufferException e) {
            return; // gRPC refuses bytes that are not the message before the service sees them
        }
        Answer<Object> answer = new Answer<>();
        String input = request.getClass().getSimpleName() + " " + request;
        FuzzBounds.run(input, NoRefusal.class, () -> {
            if (request instanceof PutRequest put) {
                fuzzed.put(put, cast(answer));
            } else if (request instanceof GetRequest get) {
                fuzzed.get(get, cast(answer));
            } else if (request instanceof DeleteRequest delete) {
                fuzzed.delete(delete, cast(answer));
            } else if (request instanceof ListRequest list) {
                fuzzed.list(list, cast(answer));
            } else {
                fuzzed.compareAndSet((CompareAndSetRequest) request, cast(answer));
            }
        });
        assertThat(answer.completed || answer.error != null).as("answered: %s", input).isTrue();
        if (answer.error != null) {
            Status status = Status.fromThrowable(answer.error);
            assertThat(status.getCode()).as("%s on %s", status, FuzzBounds.shorten(input)).isIn(DOCUMENTED);
            assertThat(status.getDescription()).isNotBlank();
            return;
        }
        if (request instanceof PutRequest put) {
            Answer<Object> read = new Answer<>();
            fuzzed.get(GetRequest.newBuilder().setKey(put.getKey()).build(), cast(read));
            assertThat(((GetResponse) read.values.get(0)).getValue()).as("reads back: %s", input)
                    .isEqualTo(put.getValue());
        }
        // The other plugin's keys stay its own, whatever this one wrote or listed.
        Answer<Object> listed = new Answer<>();
        other.list(ListRequest.getDefaultInstance(), cast(listed));
        assertThat(((ListResponse) listed.values.get(0)).getKeysList()).containsExactly("mine");
        if (request instanceof ListRequest) {
            assertThat(((ListResponse) answer.values.get(0)).getKeysList()).doesNotContain("mine");
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> StreamObserver<T> cast(Answer<Object> answer) {
        return (StreamObserver<T>) (StreamObserver<?>) answer;
    }

    /** A service call has no documented exception: it answers on the stream. */
    static final class NoRefusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }
}
