package dev.pluginhost.sdk.testkit;

import com.google.protobuf.ByteString;
import dev.pluginhost.contract.v1.CompareAndSetRequest;
import dev.pluginhost.contract.v1.CompareAndSetResponse;
import dev.pluginhost.contract.v1.ConfigGrpc;
import dev.pluginhost.contract.v1.ConfigRequest;
import dev.pluginhost.contract.v1.ConfigResponse;
import dev.pluginhost.contract.v1.DeleteRequest;
import dev.pluginhost.contract.v1.DeleteResponse;
import dev.pluginhost.contract.v1.Event;
import dev.pluginhost.contract.v1.EventsGrpc;
import dev.pluginhost.contract.v1.GetRequest;
import dev.pluginhost.contract.v1.GetResponse;
import dev.pluginhost.contract.v1.CapabilityCheck;
import dev.pluginhost.contract.v1.CapabilityVerdict;
import dev.pluginhost.contract.v1.HandshakeRequest;
import dev.pluginhost.contract.v1.HandshakeResponse;
import dev.pluginhost.contract.v1.HostMessage;
import dev.pluginhost.contract.v1.HttpGrpc;
import dev.pluginhost.contract.v1.HttpRequest;
import dev.pluginhost.contract.v1.HttpResponse;
import dev.pluginhost.contract.v1.InvocationResult;
import dev.pluginhost.contract.v1.KeyValueGrpc;
import dev.pluginhost.contract.v1.ListRequest;
import dev.pluginhost.contract.v1.ListResponse;
import dev.pluginhost.contract.v1.LogGrpc;
import dev.pluginhost.contract.v1.LogRecord;
import dev.pluginhost.contract.v1.LogSummary;
import dev.pluginhost.contract.v1.PluginChannelGrpc;
import dev.pluginhost.contract.v1.PluginMessage;
import dev.pluginhost.contract.v1.PublishRequest;
import dev.pluginhost.contract.v1.PublishResponse;
import dev.pluginhost.contract.v1.PutRequest;
import dev.pluginhost.contract.v1.PutResponse;
import dev.pluginhost.contract.v1.SubscribeRequest;
import dev.pluginhost.sdk.contract.Denials;
import dev.pluginhost.sdk.contract.Handshakes;
import dev.pluginhost.sdk.contract.LogStreams;
import dev.pluginhost.sdk.contract.SessionStreams;
import dev.pluginhost.sdk.runtime.ContractVersion;
import dev.pluginhost.sdk.runtime.TopicPatterns;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.grpc.util.MutableHandlerRegistry;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-memory host behind {@link TestHost}: the {@code pluginhost.v1} services, guarded the way the real host guards
 * them (session token on every call, grants per capability, PERMISSION_DENIED with a message that names the plugin,
 * the capability and the grant), with state kept in memory for the test to inspect.
 */
final class InMemoryHost {

    /** The reason of a refusal here: the test host grants what the test says, and knows no manifest. */
    static final String NOT_GRANTED_HERE = "the test host has not granted it";

    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    final String pluginId;
    final String launchSecret = UUID.randomUUID().toString();
    final Set<String> grants;
    final Map<String, String> config = new ConcurrentSkipListMap<>();
    final Map<String, byte[]> kv = new ConcurrentSkipListMap<>();
    final List<TestEvent> published = new CopyOnWriteArrayList<>();
    final List<DeniedCall> denied = new CopyOnWriteArrayList<>();
    final List<LogEntry> logs = new CopyOnWriteArrayList<>();
    final FakeHttp http = new FakeHttp();
    final MutableHandlerRegistry registry = new MutableHandlerRegistry();
    final CompletableFuture<List<String>> ready = new CompletableFuture<>();
    final Map<String, CompletableFuture<InvocationResult>> pending = new ConcurrentHashMap<>();
    final AtomicLong deliveries = new AtomicLong();
    final boolean echoLogs;

    private final Map<String, String> appServices = new ConcurrentHashMap<>();
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicLong eventIds = new AtomicLong();
    private volatile String sessionToken;
    private volatile StreamObserver<HostMessage> toPlugin;

    InMemoryHost(String pluginId, Set<String> grants, Map<String, String> config, boolean echoLogs) {
        this.pluginId = pluginId;
        Set<String> all = new TreeSet<>(grants);
        all.add("log");
        this.grants = Set.copyOf(all);
        this.config.putAll(config);
        this.echoLogs = echoLogs;
        Guard guard = new Guard();
        registry.addService(ServerInterceptors.intercept(new Channel(), guard));
        registry.addService(ServerInterceptors.intercept(new Log(), guard));
        registry.addService(ServerInterceptors.intercept(new KeyValue(), guard));
        registry.addService(ServerInterceptors.intercept(new Config(), guard));
        registry.addService(ServerInterceptors.intercept(new Events(), guard));
        registry.addService(ServerInterceptors.intercept(new Http(), guard));
    }

    /** Serves an application-defined capability. */
    void addCapability(String capability, BindableService service) {
        ServerServiceDefinition definition = service.bindService();
        appServices.put(definition.getServiceDescriptor().getName(), capability);
        registry.addService(ServerInterceptors.intercept(definition, new Guard()));
    }

    synchronized void send(HostMessage message) {
        StreamObserver<HostMessage> session = toPlugin;
        if (session == null) {
            throw new IllegalStateException("the plugin has no session open");
        }
        session.onNext(message);
    }

    /** Delivers an event to every matching subscription; returns how many received it. */
    int deliver(Event event) {
        int count = 0;
        for (Subscriber subscriber : subscribers) {
            if (subscriber.matches(event.getTopic()) && subscriber.send(event)) {
                count++;
            }
        }
        deliveries.addAndGet(count);
        return count;
    }

    Event event(String topic, byte[] payload, String contentType, String source) {
        return Event.newBuilder()
                .setId("evt-" + eventIds.incrementAndGet())
                .setTopic(topic)
                .setPayload(ByteString.copyFrom(payload))
                .setContentType(contentType)
                .setSource(source)
                .setTimeMs(System.currentTimeMillis())
                .build();
    }

    private Status deny(String capability, String service, String method) {
        denied.add(new DeniedCall(capability, method, message(capability, service, method)));
        return Status.PERMISSION_DENIED.withDescription(message(capability, service, method));
    }

    /** The host's message ({@link Denials}); the test host knows no manifest, so its reason is its own. */
    private String message(String capability, String service, String method) {
        return Denials.message(pluginId, capability, service, method, NOT_GRANTED_HERE)
                + " (in a test: @PluginTest(grants = \"" + capability + "\"))";
    }

    /** Session token on every call but the handshake; a grant for kv, config and application capabilities. */
    private final class Guard implements ServerInterceptor {

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                          ServerCallHandler<Q, R> next) {
            String service = call.getMethodDescriptor().getServiceName();
            String method = call.getMethodDescriptor().getBareMethodName();
            if (call.getMethodDescriptor().getFullMethodName()
                    .equals(PluginChannelGrpc.getHandshakeMethod().getFullMethodName())) {
                return next.startCall(call, headers);
            }
            String token = sessionToken;
            if (token == null || !("Bearer " + token).equals(headers.get(AUTHORIZATION))) {
                return refuse(call, Status.UNAUTHENTICATED.withDescription("missing or wrong session token on the "
                        + "socket of plugin '" + pluginId + "': call Handshake first"));
            }
            String capability = switch (service) {
                case "pluginhost.v1.KeyValue" -> "kv";
                case "pluginhost.v1.Config" -> "config";
                default -> appServices.get(service); // null for the channel, log, events and http (checked there)
            };
            if (capability != null && !grants.contains(capability)) {
                return refuse(call, deny(capability, service, method));
            }
            return next.startCall(call, headers);
        }

        @SuppressWarnings("unchecked")
        private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
            call.close(status, new Metadata());
            return new ServerCall.Listener<>() { };
        }
    }

    private final class Channel extends PluginChannelGrpc.PluginChannelImplBase {

        /** As the host does: a refusal is recorded like a refused call. */
        @Override
        public void checkCapability(CapabilityCheck request, StreamObserver<CapabilityVerdict> response) {
            String capability = request.getCapability();
            response.onNext(grants.contains(capability) ? CapabilityVerdict.newBuilder().setGranted(true).build()
                    : CapabilityVerdict.newBuilder().setMessage(deny(capability, PluginChannelGrpc.SERVICE_NAME,
                            "CheckCapability").getDescription()).build());
            response.onCompleted();
        }

        @Override
        public void handshake(HandshakeRequest request, StreamObserver<HandshakeResponse> response) {
            if (!request.getPluginId().equals(pluginId) || !request.getLaunchSecret().equals(launchSecret)
                    || sessionToken != null) {
                response.onError(Status.UNAUTHENTICATED.withDescription("wrong plugin id or launch secret, or a "
                        + "second handshake").asRuntimeException());
                return;
            }
            int version;
            try {
                version = Handshakes.agree(pluginId, ContractVersion.MIN, ContractVersion.MAX, request);
            } catch (StatusException e) {
                response.onError(e);
                return;
            }
            sessionToken = UUID.randomUUID().toString();
            response.onNext(Handshakes.accepted(version, sessionToken, "test-kit", grants));
            response.onCompleted();
        }

        @Override
        public StreamObserver<PluginMessage> session(StreamObserver<HostMessage> session) {
            toPlugin = session;
            return SessionStreams.receive(new SessionStreams.Host() {
                @Override
                public void ready(List<String> operations) {
                    ready.complete(operations);
                }

                @Override
                public void result(InvocationResult result) {
                    CompletableFuture<InvocationResult> waiting = pending.remove(result.getId());
                    if (waiting != null) {
                        waiting.complete(result);
                    }
                }

                @Override
                public void ended(Throwable error) {
                    if (error != null) {
                        toPlugin = null;
                        ready.completeExceptionally(error);
                        return;
                    }
                    synchronized (InMemoryHost.this) {
                        toPlugin = null;
                        session.onCompleted();
                    }
                }
            });
        }
    }

    private final class Log extends LogGrpc.LogImplBase {

        @Override
        public StreamObserver<LogRecord> append(StreamObserver<LogSummary> response) {
            return LogStreams.receive(response, record -> {
                LogEntry entry = new LogEntry(record.getLevel().name(), record.getLogger(), record.getMessage(),
                        record.getThrowable());
                logs.add(entry);
                if (echoLogs) {
                    System.out.println("[plugin " + pluginId + "] " + entry);
                }
            });
        }
    }

    private final class KeyValue extends KeyValueGrpc.KeyValueImplBase {

        @Override
        public void get(GetRequest request, StreamObserver<GetResponse> response) {
            byte[] value = kv.get(request.getKey());
            response.onNext(value == null ? GetResponse.getDefaultInstance()
                    : GetResponse.newBuilder().setFound(true).setValue(ByteString.copyFrom(value)).build());
            response.onCompleted();
        }

        @Override
        public void put(PutRequest request, StreamObserver<PutResponse> response) {
            kv.put(request.getKey(), request.getValue().toByteArray());
            response.onNext(PutResponse.getDefaultInstance());
            response.onCompleted();
        }

        @Override
        public void delete(DeleteRequest request, StreamObserver<DeleteResponse> response) {
            boolean existed = kv.remove(request.getKey()) != null;
            response.onNext(DeleteResponse.newBuilder().setExisted(existed).build());
            response.onCompleted();
        }

        @Override
        public void list(ListRequest request, StreamObserver<ListResponse> response) {
            ListResponse.Builder keys = ListResponse.newBuilder();
            for (String key : kv.keySet()) {
                if (key.startsWith(request.getPrefix())
                        && (request.getLimit() == 0 || keys.getKeysCount() < request.getLimit())) {
                    keys.addKeys(key);
                }
            }
            response.onNext(keys.build());
            response.onCompleted();
        }

        @Override
        public void compareAndSet(CompareAndSetRequest request, StreamObserver<CompareAndSetResponse> response) {
            boolean swapped;
            synchronized (kv) {
                byte[] current = kv.get(request.getKey());
                swapped = request.getExpectAbsent() ? current == null
                        : current != null && Arrays.equals(current, request.getExpected().toByteArray());
                if (swapped) {
                    kv.put(request.getKey(), request.getValue().toByteArray());
                }
            }
            response.onNext(CompareAndSetResponse.newBuilder().setSwapped(swapped).build());
            response.onCompleted();
        }
    }

    private final class Config extends ConfigGrpc.ConfigImplBase {

        @Override
        public void get(ConfigRequest request, StreamObserver<ConfigResponse> response) {
            response.onNext(ConfigResponse.newBuilder().putAllValues(config).build());
            response.onCompleted();
        }
    }

    private final class Events extends EventsGrpc.EventsImplBase {

        @Override
        public void publish(PublishRequest request, StreamObserver<PublishResponse> response) {
            String topic = request.getTopic();
            Status refused = refusal(TopicPatterns.isTopic(topic), "topic", "events.publish:", topic, "Publish");
            if (refused != null) {
                response.onError(refused.asRuntimeException());
                return;
            }
            Event event = event(topic, request.getPayload().toByteArray(), request.getContentType(), pluginId);
            published.add(new TestEvent(event.getId(), topic, event.getContentType(), event.getPayload().toByteArray()));
            deliver(event);
            response.onNext(PublishResponse.newBuilder().setId(event.getId()).build());
            response.onCompleted();
        }

        /** @return why a publish or subscription is refused (an invalid name, then a missing grant), or null */
        private Status refusal(boolean valid, String kind, String scope, String name, String method) {
            if (!valid) {
                return Status.INVALID_ARGUMENT.withDescription("invalid " + kind + " '" + name + "'");
            }
            if (!TopicPatterns.covered(grants, scope, name)) {
                return deny(scope + name, EventsGrpc.SERVICE_NAME, method);
            }
            return null;
        }

        @Override
        public void subscribe(SubscribeRequest request, StreamObserver<Event> response) {
            for (String pattern : request.getPatternsList()) {
                Status refused = refusal(TopicPatterns.isPattern(pattern), "topic pattern", "events.subscribe:",
                        pattern, "Subscribe");
                if (refused != null) {
                    response.onError(refused.asRuntimeException());
                    return;
                }
            }
            Subscriber subscriber = new Subscriber(List.copyOf(request.getPatternsList()),
                    (ServerCallStreamObserver<Event>) response);
            subscribers.add(subscriber);
            subscriber.stream.setOnCancelHandler(() -> subscribers.remove(subscriber));
        }
    }

    private static final class Subscriber {
        final List<String> patterns;
        final ServerCallStreamObserver<Event> stream;

        Subscriber(List<String> patterns, ServerCallStreamObserver<Event> stream) {
            this.patterns = patterns;
            this.stream = stream;
        }

        boolean matches(String topic) {
            return patterns.stream().anyMatch(p -> TopicPatterns.matches(p, topic));
        }

        synchronized boolean send(Event event) {
            if (stream.isCancelled()) {
                return false;
            }
            stream.onNext(event);
            return true;
        }
    }

    private final class Http extends HttpGrpc.HttpImplBase {

        @Override
        public void fetch(HttpRequest request, StreamObserver<HttpResponse> response) {
            String host;
            try {
                host = URI.create(request.getUrl()).getHost();
            } catch (IllegalArgumentException e) {
                host = null;
            }
            if (host == null) {
                response.onError(Status.INVALID_ARGUMENT.withDescription("not a URL with a host: " + request.getUrl())
                        .asRuntimeException());
                return;
            }
            String capability = "http:" + host.toLowerCase(Locale.ROOT);
            if (!grants.contains(capability)) {
                response.onError(deny(capability, HttpGrpc.SERVICE_NAME, "Fetch").asRuntimeException());
                return;
            }
            FakeHttp.Response answer = http.answer(new FakeHttp.Request(request.getMethod(), request.getUrl(),
                    Map.copyOf(request.getHeadersMap()), request.getBody().toByteArray()));
            if (answer == FakeHttp.UNREACHABLE) {
                response.onError(Status.UNAVAILABLE.withDescription("test kit: " + request.getUrl()
                        + " is unreachable").asRuntimeException());
                return;
            }
            response.onNext(HttpResponse.newBuilder()
                    .setStatus(answer.status())
                    .putAllHeaders(answer.headers())
                    .setBody(ByteString.copyFrom(answer.body()))
                    .build());
            response.onCompleted();
        }
    }
}
