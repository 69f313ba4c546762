package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.host.capability.JdbcKvStore;
import dev.pluginhost.host.capability.KvStore;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The kv store on a real PostgreSQL (a private cluster, {@link Postgres}), as two host replicas share it: each
 * "host" here is its own {@link JdbcKvStore} on its own HikariCP pool, as in two processes.
 */
class PostgresKvStoreTest {

    @RegisterExtension
    static final Postgres postgres = Postgres.forClass();
    static KvStore hostA;
    static KvStore hostB;

    @BeforeAll
    static void start() {
        hostA = new JdbcKvStore(postgres.pool(8, true));
        // The second pool hands out connections with auto-commit off: a write must still be committed when put
        // returns, not when someone commits that connection later.
        hostB = new JdbcKvStore(postgres.pool(8, false));
    }

    @Test
    void theSchemaIsFlywaysInTheHostsOwnHistoryTable() throws Exception {
        try (Connection c = postgres.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT version, success FROM " + JdbcKvStore.SCHEMA_HISTORY
                     + " WHERE version IS NOT NULL ORDER BY installed_rank")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).isEqualTo("1");
            assertThat(r.getBoolean(2)).isTrue();
            assertThat(r.next()).isTrue(); // the fleet's events and plugin set
            assertThat(r.getString(1)).isEqualTo("2");
            assertThat(r.getBoolean(2)).isTrue();
            assertThat(r.next()).as("applied once although two stores started").isFalse();
        }
    }

    @Test
    void aWriteOnOneHostIsReadOnTheOtherAndAnUpsertReplaces() {
        hostA.put("p1", "greeting", bytes("hello"));
        assertThat(hostB.get("p1", "greeting")).hasValueSatisfying(v -> assertThat(v).asString().isEqualTo("hello"));
        hostB.put("p1", "greeting", bytes("bonjour"));
        assertThat(hostA.get("p1", "greeting")).hasValueSatisfying(v -> assertThat(v).asString()
                .isEqualTo("bonjour"));
        assertThat(hostA.compareAndSet("p1", "greeting", bytes("bonjour"), bytes("hola"), Long.MAX_VALUE)).isTrue();
        assertThat(hostB.compareAndSet("p1", "greeting", bytes("bonjour"), bytes("ciao"), Long.MAX_VALUE)).isFalse();
        assertThat(hostB.get("p1", "greeting")).hasValueSatisfying(v -> assertThat(v).asString().isEqualTo("hola"));
        assertThat(hostB.delete("p1", "greeting")).isTrue();
        assertThat(hostA.get("p1", "greeting")).isEmpty();
    }

    @Test
    void listingAPrefixWalksKeysInByteOrder() {
        for (String k : List.of("a/B", "a/a", "a/_", "a", "b/a", "a/é")) {
            hostA.put("p2", k, bytes("x"));
        }
        assertThat(hostB.list("p2", "a/", 100)).containsExactly("a/B", "a/_", "a/a", "a/é");
    }

    @Test
    void concurrentCompareAndSetIncrementsFromTwoHostsLoseNone() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                KvStore host = t % 2 == 0 ? hostA : hostB;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        while (true) {
                            var current = host.get("p3", "count");
                            long next = current.map(b -> Long.parseLong(new String(b, StandardCharsets.UTF_8)))
                                    .orElse(0L) + 1;
                            if (host.compareAndSet("p3", "count", current.orElse(null), bytes(Long.toString(next)),
                                    Long.MAX_VALUE)) {
                                break;
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(hostA.get("p3", "count")).hasValueSatisfying(v -> assertThat(v).asString().isEqualTo("150"));
    }

    /**
     * Both hosts write new keys for one plugin at once, each checking the quota before its write: counted per host,
     * both would see room and together go over it; counted in the database under the plugin's lock, they cannot.
     */
    @Test
    void aQuotaHoldsAcrossHostsWritingAtOnce() throws Exception {
        long quota = 1000;
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Void>> writers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                KvStore host = t % 2 == 0 ? hostA : hostB;
                int writer = t;
                writers.add(() -> {
                    for (int i = 0; i < 10; i++) {
                        try {
                            host.put("p4", "k" + writer + "-" + i, new byte[45], quota); // 50 bytes with its key
                        } catch (KvStore.QuotaExceededException e) {
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
            for (Future<Void> f : pool.invokeAll(writers)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(hostA.usedBytes("p4")).isLessThanOrEqualTo(quota);
        assertThat(refused.get()).as("80 writes of 50 bytes, 1000 allowed").isEqualTo(60);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
