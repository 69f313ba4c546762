package dev.pluginhost.host;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The runnable host: the auto-configuration plus a main class and operator-friendly defaults. */
@SpringBootApplication
public class PluginHostApplication {

    public static void main(String[] args) {
        SpringApplication app = new SpringApplication(PluginHostApplication.class);
        // Defaults live here, not in an application.properties, so an application embedding the host keeps its own.
        app.setDefaultProperties(Map.of(
                "management.endpoints.web.exposure.include", "health,info,prometheus,metrics",
                "management.endpoint.health.show-details", "always",
                "spring.mvc.problemdetails.enabled", "true",
                "management.info.env.enabled", "true",
                // A failed plugin degrades the host; it does not take it down.
                "management.endpoint.health.status.order", "down,out-of-service,degraded,up,unknown",
                "logging.pattern.level", "%5p [%X{plugin:-host}]"));
        app.run(args);
    }
}
