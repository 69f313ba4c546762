package dev.pluginhost.host;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** The runnable host: the auto-configuration plus a main class and operator-friendly defaults. */
@SpringBootApplication
public class PluginHostApplication {

    /** Help text for the framework's meters that come without one, so the exposition passes promtool's lint. */
    private static final Map<String, String> FRAMEWORK_DESCRIPTIONS = Map.of(
            "http.server.requests", "HTTP requests the host served, by method, URI, status and outcome",
            "http.server.requests.active", "HTTP requests the host is serving now",
            "tomcat.sessions.active.current", "HTTP sessions active now",
            "tomcat.sessions.active.max", "Most HTTP sessions active at once",
            "tomcat.sessions.alive.max", "Longest time an expired HTTP session had been alive",
            "tomcat.sessions.created", "HTTP sessions created",
            "tomcat.sessions.expired", "HTTP sessions expired",
            "tomcat.sessions.rejected", "HTTP sessions refused because the maximum was reached");

    public static void main(String[] args) {
        SpringApplication app = new SpringApplication(PluginHostApplication.class);
        // Defaults live here, not in an application.properties, so an application embedding the host keeps its own.
        app.setDefaultProperties(Map.ofEntries(
                Map.entry("management.endpoints.web.exposure.include", "health,info,prometheus,metrics"),
                // Anonymous probes see the status; details (plugins, sandbox layers) need credentials.
                Map.entry("management.endpoint.health.show-details", "when-authorized"),
                Map.entry("management.endpoint.health.probes.enabled", "true"),
                // Only this machine reaches the API until the operator says otherwise (server.address=0.0.0.0).
                Map.entry("server.address", "127.0.0.1"),
                // One password user, an OPERATOR; with no spring.security.user.password Spring Boot generates the
                // password at every start and logs it ("Using generated security password"). Never open.
                Map.entry("spring.security.user.name", "operator"),
                Map.entry("spring.security.user.roles", "OPERATOR"),
                Map.entry("spring.mvc.problemdetails.enabled", "true"),
                // Boot's FormContentFilter reads a PUT/PATCH/DELETE form body whole into memory, before Spring
                // Security: anyone could fill the heap without credentials. The API takes no form bodies.
                Map.entry("spring.mvc.formcontent.filter.enabled", "false"),
                Map.entry("management.info.env.enabled", "true"),
                // A failed plugin degrades the host; it does not take it down.
                Map.entry("management.endpoint.health.status.order", "down,out-of-service,degraded,up,unknown"),
                // Three JVM meters whose names promtool rejects (units "ms"/"ns" in the name, a gauge named
                // _count); process_cpu_usage, jvm_* and system_cpu_usage carry the same information.
                Map.entry("management.metrics.enable.jvm.compilation.time", "false"),
                Map.entry("management.metrics.enable.process.cpu.time", "false"),
                Map.entry("management.metrics.enable.system.cpu.count", "false"),
                // Spring Security's observations time every filter of the chain under names promtool rejects
                // (camelCase filter names, no help text); plugin_api_actions_total counts the API's calls instead.
                Map.entry("management.observations.enable.spring.security", "false"),
                Map.entry("logging.pattern.level", "%5p [%X{plugin:-host}]"),
                // gRPC sets SO_KEEPALIVE on every accepted channel; a Unix socket has no such option, and Netty says
                // so once per plugin connection.
                Map.entry("logging.level.io.grpc.netty.shaded.io.netty.bootstrap", "ERROR")));
        app.run(args);
    }

    @Bean
    MeterFilter frameworkMeterDescriptions() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                String description = FRAMEWORK_DESCRIPTIONS.get(id.getName());
                return description == null || id.getDescription() != null ? id
                        : new Meter.Id(id.getName(), Tags.of(id.getTags()), id.getBaseUnit(), description, id.getType());
            }
        };
    }
}
