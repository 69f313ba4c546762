package dev.pluginhost.host.web;

import dev.pluginhost.contract.v1.Failure;
import dev.pluginhost.contract.v1.InvocationResult;
import dev.pluginhost.host.discovery.Rejection;
import dev.pluginhost.host.lifecycle.IllegalPluginStateException;
import dev.pluginhost.host.lifecycle.PluginManager;
import dev.pluginhost.host.logs.PluginLogSink;
import dev.pluginhost.host.lifecycle.PluginNotFoundException;
import dev.pluginhost.host.lifecycle.PluginNotRunningException;
import dev.pluginhost.host.lifecycle.PluginInstance;
import dev.pluginhost.sandbox.Violation;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The management API under {@code /api}; errors are RFC 9457 problem details. */
@RestController
@RequestMapping("/api")
public class PluginController {

    private final PluginManager plugins;

    public PluginController(PluginManager plugins) {
        this.plugins = plugins;
    }

    @GetMapping("/plugins")
    public List<PluginView> list() {
        return plugins.plugins().stream().map(PluginView::of).toList();
    }

    @GetMapping("/plugins/{id}")
    public PluginView get(@PathVariable String id) {
        return plugins.plugin(id).map(PluginView::of).orElseThrow(() -> new PluginNotFoundException(id));
    }

    /**
     * The plugin's most recent sandbox violations, oldest first: those of its own code ({@code phase=run}, the
     * default), the JDK's refused start-up probes ({@code phase=boot}), or both ({@code phase=all}).
     */
    @GetMapping("/plugins/{id}/violations")
    public List<ViolationView> violations(@PathVariable String id,
                                          @RequestParam(name = "phase", defaultValue = "run") String phase) {
        java.util.function.Predicate<Violation> shown = switch (phase) {
            case "run" -> v -> !v.boot();
            case "boot" -> Violation::boot;
            case "all" -> v -> true;
            default -> throw new BadPhaseException(phase);
        };
        return plugins.plugin(id).orElseThrow(() -> new PluginNotFoundException(id)).recordedViolations().stream()
                .filter(r -> shown.test(r.violation())).map(ViolationView::of).toList();
    }

    /** {@code ?phase=} is not one of run, boot, all. */
    static final class BadPhaseException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadPhaseException(String phase) {
            super("phase '" + phase + "' is not one of run (the plugin's own violations, the default), boot (the "
                    + "JDK's refused start-up probes) or all");
        }
    }

    @ExceptionHandler(BadPhaseException.class)
    public ProblemDetail badPhase(BadPhaseException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad phase", e.getMessage());
    }

    /** The plugin's latest output lines (SDK log, stdout, stderr), oldest first. */
    @GetMapping("/plugins/{id}/logs")
    public List<PluginLogSink.Line> logs(@PathVariable String id) {
        return plugins.plugin(id).orElseThrow(() -> new PluginNotFoundException(id)).logs().tail();
    }

    @PostMapping("/plugins/{id}/start")
    public ResponseEntity<PluginView> start(@PathVariable String id) {
        plugins.start(id);
        return ResponseEntity.accepted().body(get(id));
    }

    @PostMapping("/plugins/{id}/stop")
    public PluginView stop(@PathVariable String id) {
        plugins.stop(id);
        return get(id);
    }

    @PostMapping("/plugins/{id}/restart")
    public ResponseEntity<PluginView> restart(@PathVariable String id) {
        plugins.restart(id);
        return ResponseEntity.accepted().body(get(id));
    }

    /** Jars in the plugins folder that were not started, and why. */
    @GetMapping("/rejections")
    public List<RejectionView> rejections() {
        return plugins.rejections().stream().map(RejectionView::of).toList();
    }

    /**
     * The body goes to the plugin exactly as sent, whatever its declared type: read from the raw stream, because
     * Spring would rebuild a form-encoded body (curl's default for {@code -d}) from parsed parameters.
     */
    @PostMapping("/plugins/{id}/invoke/{operation}")
    public CompletableFuture<ResponseEntity<?>> invoke(@PathVariable String id, @PathVariable String operation,
            HttpServletRequest request) throws IOException {
        byte[] body = request.getInputStream().readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) {
            throw new PayloadTooLargeException(MAX_BODY);
        }
        String contentType = request.getContentType();
        return plugins.invoke(id, operation, body,
                        contentType == null || contentType.startsWith(MediaType.APPLICATION_FORM_URLENCODED_VALUE)
                                ? MediaType.APPLICATION_JSON_VALUE : contentType)
                .thenApply(result -> answer(id, operation, result));
    }

    /** Largest invocation body: what fits one message on the plugin's channel, with room for the envelope. */
    static final int MAX_BODY = 4 * 1024 * 1024 - 64 * 1024;

    /** The request body is larger than an invocation may carry. */
    static final class PayloadTooLargeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PayloadTooLargeException(int max) {
            super("the request body is larger than " + max + " bytes, the most an invocation carries");
        }
    }

    @ExceptionHandler(PayloadTooLargeException.class)
    public ProblemDetail tooLarge(PayloadTooLargeException e) {
        return problem(HttpStatus.CONTENT_TOO_LARGE, "Payload too large", e.getMessage());
    }

    private static ResponseEntity<?> answer(String id, String operation, InvocationResult result) {
        if (result.hasReply()) {
            return reply(result.getReply().getContentType(), result.getReply().getPayload().toByteArray());
        }
        Failure failure = result.getFailure();
        HttpStatus status = switch (failure.getCode()) {
            case "BAD_REQUEST" -> HttpStatus.BAD_REQUEST;
            case "UNKNOWN_OPERATION" -> HttpStatus.NOT_FOUND;
            case "CAPABILITY_DENIED" -> HttpStatus.FORBIDDEN;
            default -> HttpStatus.BAD_GATEWAY;
        };
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, failure.getMessage());
        problem.setTitle("Plugin " + failure.getCode().toLowerCase().replace('_', ' '));
        problem.setType(URI.create("urn:pluginhost:invocation:" + failure.getCode().toLowerCase()));
        problem.setProperty("plugin", id);
        problem.setProperty("operation", operation);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }

    /** Reads a plugin's JSON exactly: decimals stay as written, not rounded through double. */
    private static final JsonMapper PLUGIN_JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    /**
     * The plugin's reply, as JSON the host wrote: the management API's origin never serves a plugin's bytes under a
     * type the plugin chose (a plugin answering {@code text/html} would otherwise put its page on this origin).
     * JSON is parsed and written again; anything else is wrapped: its declared type as a string, its bytes as text
     * (UTF-8) or base64. No payload: 204.
     */
    static ResponseEntity<?> reply(String type, byte[] payload) {
        if (payload.length == 0) {
            return ResponseEntity.noContent().header("X-Content-Type-Options", "nosniff").build();
        }
        JsonNode json = isJson(type) ? parse(payload) : null;
        if (json == null) {
            ObjectNode wrapped = PLUGIN_JSON.createObjectNode().put("contentType", type);
            String text = utf8(payload);
            if (text != null) {
                wrapped.put("text", text);
            } else {
                wrapped.put("base64", Base64.getEncoder().encodeToString(payload));
            }
            json = wrapped;
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).header("X-Content-Type-Options", "nosniff")
                .body(PLUGIN_JSON.writeValueAsBytes(json));
    }

    private static boolean isJson(String type) {
        try {
            MediaType media = MediaType.parseMediaType(type);
            return media.isCompatibleWith(MediaType.APPLICATION_JSON) || media.getSubtype().endsWith("+json");
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }

    private static JsonNode parse(byte[] payload) {
        try {
            return PLUGIN_JSON.readTree(payload);
        } catch (JacksonException e) {
            return null; // declared JSON but is not: wrapped like any other bytes
        }
    }

    private static String utf8(byte[] payload) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    @ExceptionHandler(PluginNotFoundException.class)
    public ProblemDetail notFound(PluginNotFoundException e) {
        return problem(HttpStatus.NOT_FOUND, "Unknown plugin", e.getMessage());
    }

    @ExceptionHandler(IllegalPluginStateException.class)
    public ProblemDetail illegalState(IllegalPluginStateException e) {
        return problem(HttpStatus.CONFLICT, "Plugin state conflict", e.getMessage());
    }

    @ExceptionHandler(PluginNotRunningException.class)
    public ProblemDetail notRunning(PluginNotRunningException e) {
        return problem(HttpStatus.CONFLICT, "Plugin not running", e.getMessage());
    }

    @ExceptionHandler({TimeoutException.class, CompletionException.class, IllegalStateException.class})
    public ProblemDetail invocationFailed(Exception e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof TimeoutException) {
            return problem(HttpStatus.GATEWAY_TIMEOUT, "Plugin timed out",
                    "the plugin did not answer within plugins.invoke-timeout");
        }
        return problem(HttpStatus.BAD_GATEWAY, "Plugin invocation failed", String.valueOf(cause.getMessage()));
    }

    private static ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        return problem;
    }

    /**
     * A sandbox violation as the API shows it.
     *
     * @param time when the supervisor saw it
     * @param pid the thread or process that made the call (its tid as the host sees it)
     * @param syscall the system call's name
     * @param call the call with its arguments decoded, e.g. {@code socket(AF_INET, SOCK_STREAM, 0)}; a path in it is
     *     the one the supervisor read from the plugin's memory, marked "(reported)": the plugin could have changed it
     * @param args its six raw arguments, in hex
     * @param thread the calling thread's name (a JVM thread's first 15 characters), empty when unknown
     * @param tid the thread's id inside the plugin's own pid namespace (what the plugin sees), 0 when unknown
     * @param path the path argument as the supervisor read it (reported), null when the call takes none
     * @param operation the plugin operation the thread was serving when the runtime was asked, null when none or
     *     unknown
     * @param stack the thread's Java stack when the runtime was asked ("stack when reported": the call had already
     *     been refused, the thread may have moved on), innermost frame first; empty when unknown
     * @param action what the supervisor did: deny, kill or audit
     * @param phase boot (the JVM's own start-up, before plugin code ran) or run
     */
    public record ViolationView(Instant time, long pid, String syscall, String call, List<String> args,
                                String thread, long tid, String path, String operation, List<String> stack,
                                String action, String phase) {
        static ViolationView of(PluginInstance.RecordedViolation recorded) {
            Violation v = recorded.violation();
            PluginInstance.ThreadReport report = recorded.report();
            return new ViolationView(v.time(), v.pid(), v.syscall(), v.describe(),
                    java.util.Arrays.stream(v.args()).mapToObj(a -> "0x" + Long.toHexString(a)).toList(),
                    v.task().thread(), v.task().nsTid(), v.task().path(),
                    report == null ? null : report.operation(), report == null ? List.of() : report.stack(),
                    v.action().cliName(), v.boot() ? "boot" : "run");
        }
    }

    /**
     * A rejected jar.
     *
     * @param file the jar's file name
     * @param reason why it was not started
     * @param time when it was found
     */
    public record RejectionView(String file, String reason, Instant time) {
        static RejectionView of(Rejection r) {
            return new RejectionView(r.jar().getFileName().toString(), r.reason(), r.time());
        }
    }
}
