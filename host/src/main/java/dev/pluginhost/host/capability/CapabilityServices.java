package dev.pluginhost.host.capability;

import dev.pluginhost.host.PluginHostProperties;
import io.grpc.BindableService;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * What every plugin's server is built from: the catalog, the shared stores and clients, the limits, and the
 * application's own capabilities. One per host.
 */
public final class CapabilityServices implements AutoCloseable {

    /**
     * An application capability: a gRPC service the embedding application exposes to plugins granted {@code name}.
     * Plugin identity is available to the service through {@link PluginCaller#current()}.
     *
     * @param name the capability's name in manifests and grants, e.g. {@code orders}
     * @param service the gRPC service implementation
     */
    public record ApplicationCapability(String name, BindableService service) {
    }

    private final CapabilityCatalog catalog;
    private final KvStore kv;
    private final EventBus events;
    private final Map<String, Map<String, String>> config;
    private final List<ApplicationCapability> application;
    private final CallLimits.Limits limits;
    private final HttpService.HttpLimits httpLimits;
    private final KeyValueService.Quota kvQuota;
    private final CloseableHttpClient http = httpClient();
    private final ScheduledExecutorService scheduler = deadlineScheduler();

    public CapabilityServices(KvStore kv, EventBus events, Map<String, Map<String, String>> config,
                              List<ApplicationCapability> application, PluginHostProperties.Limits limits) {
        this.kv = kv;
        this.events = events;
        this.config = config;
        this.application = List.copyOf(application);
        Map<String, String> services = new java.util.LinkedHashMap<>();
        for (ApplicationCapability capability : application) {
            services.put(capability.name(), capability.service().bindService().getServiceDescriptor().getName());
        }
        this.catalog = new CapabilityCatalog(services);
        // Each service takes its share of plugins.limits (checked at start by PluginHostProperties).
        this.limits = new CallLimits.Limits(limits.rate(), limits.burst(), limits.concurrency(),
                limits.defaultDeadline(), limits.maxDeadline());
        this.httpLimits = new HttpService.HttpLimits(limits.httpTimeout(), limits.maxDeadline(),
                Math.toIntExact(limits.httpMaxResponseBytes().toBytes()));
        this.kvQuota = new KeyValueService.Quota(Math.toIntExact(limits.kvMaxValueBytes().toBytes()),
                limits.kvMaxTotalBytes().toBytes());
    }

    /**
     * The client of the {@code http} capability. Apache HttpClient rather than {@code java.net.http}: the JDK client
     * resolves names itself and cannot be handed the address the host checked, so a name whose DNS answers
     * differently the second time (rebinding) would reach an address nobody checked. Here {@link HttpService} hands
     * every request the checked address, and the client's own resolver refuses to resolve anything, so a path that
     * would resolve fails closed. No redirects (returned to the plugin, whose next request is checked), no retries,
     * no cookies or credentials shared between plugins, no decompression (the size cap applies to the bytes on the
     * wire), no system proxy.
     */
    private static final DnsResolver NO_RESOLUTION = new DnsResolver() {
        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            throw new UnknownHostException(host + ": the http capability connects only to addresses it has checked");
        }

        @Override
        public String resolveCanonicalHostname(String host) throws UnknownHostException {
            return resolve(host)[0].getHostName();
        }
    };

    /**
     * The most header lines of a response (or of a chunked body's trailers) the http capability reads; more fail the
     * call. The server is often the plugin author's own: unbounded (the client's default), it could send header
     * lines until the call's deadline, all kept in the host's heap (measured: 64 MiB in 2.4 s on loopback).
     */
    static final int MAX_RESPONSE_HEADERS = 128;

    /** The longest line of a response's head (status line or header), in characters; longer fails the call. */
    static final int MAX_RESPONSE_LINE = 8192;

    static CloseableHttpClient httpClient() {
        return HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                                .http1Config(Http1Config.custom()
                                        .setMaxHeaderCount(MAX_RESPONSE_HEADERS)
                                        .setMaxLineLength(MAX_RESPONSE_LINE)
                                        .build())
                                .build())
                        .setDnsResolver(NO_RESOLUTION)
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.ofSeconds(5)).build())
                        // Pooled per (scheme, name, checked address, port); per route, as many as a plugin's calls
                        // in flight by default.
                        .setMaxConnPerRoute(32)
                        .setMaxConnTotal(256)
                        .build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .build();
    }

    /**
     * Ends calls at their deadline. Almost every call finishes first and cancels its timer: without removal on cancel,
     * each cancelled timer would stay queued until its deadline (a call rate times the deadline of dead tasks).
     */
    private static ScheduledExecutorService deadlineScheduler() {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "plugin-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        return scheduler;
    }

    /**
     * Streams a plugin's socket keeps open at once beyond its calls in flight and its subscriptions: the handshake,
     * the session, the log stream, and room for an application capability's streams.
     */
    static final int OTHER_STREAMS = 16;

    /**
     * @return the most streams one plugin's socket keeps open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS; a
     *     stream over it is refused by the transport): its calls in flight ({@code plugins.limits.concurrency}), its
     *     subscriptions ({@code plugins.events.max-subscriptions}) and {@link #OTHER_STREAMS}. Without it, a plugin
     *     could open streams without end (each costs one call of the rate) and hold a half-sent message of up to
     *     4 MiB on each: the host's direct memory, shared by every plugin's socket, would run out.
     */
    public int maxStreams() {
        return limits.maxConcurrent() + events.limits().getMaxSubscriptions() + OTHER_STREAMS;
    }

    public CapabilityCatalog catalog() {
        return catalog;
    }

    public EventBus events() {
        return events;
    }

    /** The services one plugin's socket serves, each behind metrics, the guard and the limits. */
    List<ServerServiceDefinition> servicesFor(PluginConnection connection) {
        CallGuard guard = new CallGuard(connection, catalog);
        CallMetrics metrics = new CallMetrics(connection, catalog);
        CallLimits callLimits = new CallLimits(connection, limits, scheduler);
        PluginCaller caller = new PluginCaller(connection);
        List<ServerServiceDefinition> all = new ArrayList<>();
        List<BindableService> services = new ArrayList<>(List.of(
                new ChannelService(connection, catalog),
                new LogService(connection.logs()),
                new KeyValueService(connection.pluginId(), kv, kvQuota),
                new ConfigService(config.getOrDefault(connection.pluginId(), Map.of())),
                new EventsService(connection, events),
                new HttpService(connection, http, httpLimits)));
        application.forEach(a -> services.add(a.service()));
        for (BindableService service : services) {
            // Interceptors run last-to-first: metrics see every outcome, the guard runs before the limits.
            all.add(ServerInterceptors.intercept(service, callLimits, caller, guard, metrics));
        }
        return all;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        http.close(CloseMode.IMMEDIATE);
    }
}
