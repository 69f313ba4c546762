package dev.pluginhost.host.web;

import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.capability.EventBus;
import dev.pluginhost.host.lifecycle.FleetPlugins;
import dev.pluginhost.sdk.runtime.TopicPatterns;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The application's events and the fleet's plugin set, under {@code /api} (OPERATOR role): {@code POST
 * /api/events/{topic}} publishes, {@code POST /api/plugins} (body: the jar) adds or replaces a plugin on every replica,
 * {@code DELETE /api/plugins/{id}} removes it everywhere. The plugin set needs the fleet's PostgreSQL
 * (docs/fleet.md); a single host without one keeps its plugins folder.
 */
@RestController
@RequestMapping("/api")
public class FleetController {

    static final String JAR = "application/java-archive";

    private final EventBus events;
    private final PluginHostProperties properties;
    private final FleetPlugins plugins;

    /** @param plugins the fleet's plugin set ({@link FleetPlugins#none()} when the host has no PostgreSQL) */
    public FleetController(EventBus events, PluginHostProperties properties, FleetPlugins plugins) {
        this.events = events;
        this.properties = properties;
        this.plugins = plugins;
    }

    /**
     * Publishes the body as an event from the application ({@code source} {@code host}), under the limits a plugin's
     * publish has: topic form and length, payload size.
     */
    @PostMapping("/events/{topic}")
    public ResponseEntity<?> publish(@PathVariable String topic, HttpServletRequest request) throws IOException {
        PluginHostProperties.Events limits = properties.getEvents();
        if (!TopicPatterns.isTopic(topic) || topic.length() > limits.getMaxTopicLength()) {
            return problem(HttpStatus.BAD_REQUEST, "Bad topic", "a topic is dot-separated words of letters, digits, "
                    + "'_' and '-', at most " + limits.getMaxTopicLength() + " characters "
                    + "(plugins.events.max-topic-length), e.g. orders.created");
        }
        long max = limits.getMaxPayloadBytes().toBytes();
        byte[] body = request.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        if (body.length > max) {
            return problem(HttpStatus.CONTENT_TOO_LARGE, "Payload too large", "an event's payload is at most "
                    + max + " bytes (plugins.events.max-payload-bytes)");
        }
        String type = request.getContentType();
        String id = events.publish("host", topic, body,
                type == null || type.startsWith(MediaType.APPLICATION_FORM_URLENCODED_VALUE)
                        ? MediaType.APPLICATION_JSON_VALUE : type);
        return ResponseEntity.ok(Map.of("id", id, "topic", topic));
    }

    /**
     * Stores a plugin jar for every replica. The body is the jar ({@code Content-Type: application/java-archive}),
     * at most {@code plugins.max-jar-size}; the plugin's id is the one in its manifest.
     */
    @PostMapping("/plugins")
    public ResponseEntity<?> upload(HttpServletRequest request) throws IOException {
        if (!plugins.enabled()) {
            return noFleet();
        }
        String type = request.getContentType();
        if (type == null || !MediaType.parseMediaType(type).isCompatibleWith(MediaType.parseMediaType(JAR))) {
            return problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Not a jar", "the body must be the plugin jar, "
                    + "Content-Type: " + JAR + " (was " + type + ")");
        }
        long max = properties.getMaxJarSize().toBytes();
        byte[] jar = request.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        if (jar.length > max) {
            return problem(HttpStatus.CONTENT_TOO_LARGE, "Jar too large", "the jar is larger than "
                    + "plugins.max-jar-size (" + max + " bytes)");
        }
        FleetPlugins.Stored stored = plugins.upload(jar);
        return ResponseEntity.status(HttpStatus.CREATED).body(stored);
    }

    /** Removes a plugin from the fleet's plugin set: every replica stops and uninstalls it. */
    @DeleteMapping("/plugins/{id}")
    public ResponseEntity<?> remove(@PathVariable String id) {
        if (!plugins.enabled()) {
            return noFleet();
        }
        if (!plugins.remove(id)) {
            return problem(HttpStatus.NOT_FOUND, "Unknown plugin", "the fleet's plugin set has no plugin '" + id
                    + "' (a plugin dropped into one host's folder is removed from that folder)");
        }
        return ResponseEntity.noContent().build();
    }

    @ExceptionHandler(FleetPlugins.RefusedJarException.class)
    public ResponseEntity<ProblemDetail> refused(FleetPlugins.RefusedJarException e) {
        return problem(HttpStatus.UNPROCESSABLE_CONTENT, "Plugin refused", e.getMessage());
    }

    @ExceptionHandler(IllegalArgumentException.class)
    public ResponseEntity<ProblemDetail> badArgument(IllegalArgumentException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad request", e.getMessage());
    }

    /** The fleet's database did not take the event or the jar. */
    @ExceptionHandler(IllegalStateException.class)
    public ResponseEntity<ProblemDetail> unavailable(IllegalStateException e) {
        return problem(HttpStatus.SERVICE_UNAVAILABLE, "Fleet database unavailable", e.getMessage());
    }

    private static ResponseEntity<ProblemDetail> noFleet() {
        return problem(HttpStatus.CONFLICT, "No fleet plugin set", "this host has no PostgreSQL DataSource "
                + "(spring.datasource.*) to share a plugin set through: install plugins by putting their jars into "
                + "plugins.dir (docs/fleet.md)");
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
