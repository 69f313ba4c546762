package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.HandshakeRequest;
import dev.pluginhost.contract.v1.HandshakeResponse;
import dev.pluginhost.contract.v1.HealthCheck;
import dev.pluginhost.contract.v1.HealthReport;
import dev.pluginhost.contract.v1.HostMessage;
import dev.pluginhost.contract.v1.Invocation;
import dev.pluginhost.contract.v1.InvocationResult;
import dev.pluginhost.contract.v1.PluginMessage;
import dev.pluginhost.contract.v1.Shutdown;
import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.host.discovery.VersionRange;
import dev.pluginhost.host.logs.PluginLogSink;
import dev.pluginhost.host.logs.PluginText;
import dev.pluginhost.host.metrics.PluginMetrics;
import dev.pluginhost.sdk.contract.Handshakes;
import dev.pluginhost.sdk.contract.OperationNames;
import dev.pluginhost.sdk.contract.SessionStreams;
import dev.pluginhost.sdk.runtime.ContractVersion;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The host's side of one plugin's channel: who the plugin is, what it was granted, its credentials, and its session
 * stream. One per plugin launch; a restarted plugin gets a new one with a new secret.
 */
public final class PluginConnection {

    /** The contract versions this host serves: 2 adds the health call, 1 is checked with an invocation. */
    public static final VersionRange HOST_CONTRACT = new VersionRange(1, ContractVersion.HEALTH_CALL);

    /**
     * The health check of a contract version 1 runtime: an invocation of an operation no plugin can register (not a
     * valid operation name), which the runtime answers itself with UNKNOWN_OPERATION, an answer that counts as
     * healthy.
     */
    static final String LEGACY_HEALTH_OPERATION = ".health";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** The most operations one plugin announces. */
    public static final int MAX_OPERATIONS = 1024;

    /** What the lifecycle learns from the channel. */
    public interface Events {
        /**
         * The runtime proved who it is; its answer is not sent yet, so the plugin's own code has not run. Throwing
         * refuses the handshake.
         */
        void authenticated() throws Exception;

        /** @return completes when the handshake may be answered: at once, or when a standby launch is started */
        default CompletionStage<Void> answerWhen() {
            return CompletableFuture.completedFuture(null);
        }

        void ready(List<String> operations);

        /**
         * The session announced what the host does not take (an operation name outside the rule, too many): the
         * session is closed; the launch fails with this reason, which holds no control character.
         */
        default void refused(String reason) {
            sessionEnded(reason);
        }

        void sessionEnded(String reason);
    }

    private final PluginDescriptor plugin;
    private final PluginGrants grants;
    private final PluginMetrics metrics;
    private final Events events;
    private final PluginLogSink logs;
    private final byte[] launchSecret = randomToken();
    private volatile boolean secretUsed;
    private volatile byte[] sessionToken;
    private StreamObserver<HostMessage> session; // guarded by this
    private boolean draining; // guarded by this
    private final Map<String, CompletableFuture<InvocationResult>> pending = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<dev.pluginhost.contract.v1.ThreadReport>> threadQueries =
            new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> healthChecks = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    /** The version agreed in the handshake; 0 before. */
    private volatile int contractVersion;

    public PluginConnection(PluginDescriptor plugin, PluginGrants grants, PluginMetrics metrics, PluginLogSink logs,
                            Events events) {
        this.plugin = plugin;
        this.logs = logs;
        this.grants = grants;
        this.metrics = metrics;
        this.events = events;
    }

    public PluginDescriptor plugin() {
        return plugin;
    }

    public String pluginId() {
        return plugin.id();
    }

    public PluginGrants grants() {
        return grants;
    }

    public PluginLogSink logs() {
        return logs;
    }

    /** @return invocations sent and not yet answered */
    public int pendingInvocations() {
        return pending.size();
    }

    public PluginMetrics metrics() {
        return metrics;
    }

    /** @return the one-time secret to put into the plugin JVM's environment */
    public String launchSecret() {
        return new String(launchSecret, StandardCharsets.US_ASCII);
    }

    /** Checks a session token in constant time. */
    boolean tokenMatches(String bearer) {
        byte[] token = sessionToken;
        if (token == null || bearer == null || !bearer.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(token, bearer.substring(7).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Checks the handshake: the socket's plugin id, the one-time launch secret, a common contract version.
     *
     * @return the agreed version, once the handshake may be answered ({@link Events#answerWhen()})
     */
    synchronized CompletionStage<Integer> admit(HandshakeRequest request) throws StatusException {
        if (!plugin.id().equals(request.getPluginId())) {
            metrics.authenticationFailed(plugin.id(), "plugin-id");
            throw Status.UNAUTHENTICATED.withDescription("this socket belongs to plugin '" + plugin.id()
                    + "', not '" + request.getPluginId() + "'").asException();
        }
        byte[] offered = request.getLaunchSecret().getBytes(StandardCharsets.US_ASCII);
        if (secretUsed || !MessageDigest.isEqual(launchSecret, offered)) {
            metrics.authenticationFailed(plugin.id(), "secret");
            throw Status.UNAUTHENTICATED.withDescription("wrong or already used launch secret for plugin '"
                    + plugin.id() + "'").asException();
        }
        int version = Handshakes.agree(plugin.id(), HOST_CONTRACT.min(), HOST_CONTRACT.max(), request);
        secretUsed = true;
        contractVersion = version;
        return events.answerWhen().thenApply(started -> version);
    }

    /** Answers an admitted handshake: the boot phase ends (Events#authenticated), the session token is made. */
    synchronized HandshakeResponse answer(int version) throws StatusException {
        try {
            events.authenticated();
        } catch (Exception e) {
            throw Status.UNAVAILABLE.withDescription("the host cannot supervise plugin '" + plugin.id() + "': "
                    + e.getMessage()).asException();
        }
        byte[] token = randomToken();
        sessionToken = token;
        return Handshakes.accepted(version, new String(token, StandardCharsets.US_ASCII), hostVersion(),
                grants.names());
    }

    StreamObserver<PluginMessage> openSession(StreamObserver<HostMessage> toPlugin) throws StatusException {
        synchronized (this) {
            if (session != null) {
                throw Status.ALREADY_EXISTS.withDescription("plugin '" + plugin.id() + "' already has a session")
                        .asException();
            }
            session = toPlugin;
        }
        return SessionStreams.receive(new SessionStreams.Host() {
            @Override
            public void ready(List<String> operations) {
                String refusal = refusal(operations);
                if (refusal == null) {
                    events.ready(operations);
                    return;
                }
                toPlugin.onError(Status.INVALID_ARGUMENT.withDescription(refusal).asException());
                synchronized (PluginConnection.this) {
                    session = null;
                }
                events.refused(refusal);
            }

            @Override
            public void result(InvocationResult result) {
                answer(pending, result.getId(), result);
            }

            @Override
            public void threadReport(dev.pluginhost.contract.v1.ThreadReport report) {
                answer(threadQueries, report.getId(), report);
            }

            @Override
            public void health(HealthReport report) {
                answer(healthChecks, report.getId(), null);
            }

            @Override
            public void ended(Throwable error) {
                PluginConnection.this.ended(error == null ? "session closed by the plugin"
                        : "session broke: " + Status.fromThrowable(error));
            }
        });
    }

    /** @return why the host does not take these operations (the name shown escaped and cut), or null */
    private String refusal(List<String> operations) {
        if (operations.size() > MAX_OPERATIONS) {
            return "plugin '" + plugin.id() + "' announced " + operations.size() + " operations; the host takes at most "
                    + MAX_OPERATIONS;
        }
        for (String operation : operations) {
            if (!OperationNames.valid(operation)) { // the SDK's rule, checked again: see OperationNames
                return "plugin '" + plugin.id() + "' announced an invalid operation name '"
                        + PluginText.escape(operation, 64, 0) + "' (letters, digits, '_', '.', '-', at most 64)";
            }
        }
        return null;
    }

    private static <T> void answer(Map<String, CompletableFuture<T>> waiting, String id, T value) {
        CompletableFuture<T> future = waiting.remove(id);
        if (future != null) {
            future.complete(value);
        }
    }

    private void ended(String reason) {
        synchronized (this) {
            session = null;
        }
        pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException(
                "plugin '" + plugin.id() + "' went away during the invocation (" + reason + ")")));
        pending.clear();
        healthChecks.values().forEach(f -> f.completeExceptionally(new IllegalStateException(
                "plugin '" + plugin.id() + "' went away during the health check (" + reason + ")")));
        healthChecks.clear();
        events.sessionEnded(reason);
    }

    /**
     * Sends an invocation down the session.
     *
     * @return the plugin's result; fails with a TimeoutException after {@code timeout}
     */
    public CompletableFuture<InvocationResult> invoke(String operation, byte[] payload, String contentType,
                                                      Duration timeout) {
        String id = Long.toString(ids.incrementAndGet());
        HostMessage message = HostMessage.newBuilder().setInvocation(Invocation.newBuilder()
                .setId(id)
                .setOperation(operation)
                .setPayload(ByteString.copyFrom(payload))
                .setContentType(contentType)
                .setTimeoutMs(timeout.toMillis())).build();
        return ask(pending, id, message, timeout);
    }

    /**
     * Sends a request that the plugin answers with the same id, and waits for the answer up to {@code timeout}.
     * Checked and registered under one lock, so that drain() sees every invocation it must wait for.
     *
     * @throws DrainingException when this launch is being retired
     */
    private <T> CompletableFuture<T> ask(Map<String, CompletableFuture<T>> waiting, String id, HostMessage message,
                                         Duration timeout) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        synchronized (this) {
            if (draining) {
                throw new DrainingException(plugin.id());
            }
            if (session == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("plugin '" + plugin.id()
                        + "' has no open session"));
            }
            waiting.put(id, answer);
            session.onNext(message);
        }
        return answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((r, e) -> waiting.remove(id));
    }

    /**
     * Asks the plugin runtime about the thread that made a refused system call: its Java stack (at most
     * {@code maxFrames}) and the operation it serves. Fails after {@code timeout}, or at once without a session.
     *
     * @param tid the thread's id in the plugin JVM's pid namespace
     * @param name its kernel name, for threads the runtime did not record
     */
    public CompletableFuture<dev.pluginhost.contract.v1.ThreadReport> queryThread(long tid, String name,
                                                                                   int maxFrames, Duration timeout) {
        String id = "t" + ids.incrementAndGet();
        var report = new CompletableFuture<dev.pluginhost.contract.v1.ThreadReport>();
        synchronized (this) {
            if (session == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("no open session"));
            }
            threadQueries.put(id, report);
            session.onNext(HostMessage.newBuilder().setThreadQuery(dev.pluginhost.contract.v1.ThreadQuery.newBuilder()
                    .setId(id).setTid(tid).setName(name).setMaxFrames(maxFrames)).build());
        }
        return report.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((r, e) -> threadQueries.remove(id));
    }

    /**
     * Asks the plugin whether it still serves: the health call of contract version 2, or for an older runtime an
     * invocation of {@link #LEGACY_HEALTH_OPERATION}, whose answer (UNKNOWN_OPERATION) counts as healthy.
     *
     * @return completes when the plugin answered; fails after {@code timeout}, or at once without a session
     * @throws DrainingException when this launch is being retired
     */
    public CompletableFuture<?> checkHealth(Duration timeout) {
        if (contractVersion < ContractVersion.HEALTH_CALL) {
            return invoke(LEGACY_HEALTH_OPERATION, new byte[0], "application/octet-stream", timeout);
        }
        String id = "h" + ids.incrementAndGet();
        return ask(healthChecks, id, HostMessage.newBuilder().setHealthCheck(HealthCheck.newBuilder().setId(id))
                .build(), timeout);
    }

    /** From now on, invocations are refused with {@link DrainingException}; those in flight finish. */
    public synchronized void drain() {
        draining = true;
    }

    /** This launch is being retired: the caller should pick the plugin's current launch again. */
    public static final class DrainingException extends IllegalStateException {

        private static final long serialVersionUID = 1L;

        DrainingException(String plugin) {
            super("plugin '" + plugin + "' is being replaced");
        }
    }

    /** Asks the plugin to stop; returns false when there is no session to ask on. */
    public synchronized boolean requestShutdown(Duration grace) {
        if (session == null) {
            return false;
        }
        session.onNext(HostMessage.newBuilder().setShutdown(Shutdown.newBuilder().setGraceMs(grace.toMillis()))
                .build());
        return true;
    }

    private static byte[] randomToken() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes).getBytes(StandardCharsets.US_ASCII);
    }

    private static String hostVersion() {
        String version = PluginConnection.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
