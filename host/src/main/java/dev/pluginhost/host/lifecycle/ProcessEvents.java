package dev.pluginhost.host.lifecycle;

import dev.pluginhost.contract.v1.ThreadReport;
import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.metrics.PluginMetrics;
import dev.pluginhost.host.sandbox.PluginJvm;
import dev.pluginhost.sandbox.ExitStatus;
import dev.pluginhost.sandbox.SandboxListener;
import dev.pluginhost.sandbox.SandboxedProcess;
import dev.pluginhost.sandbox.Violation;
import dev.pluginhost.sandbox.ViolationMode;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * What the launcher reports of one launch: each violation is recorded, counted, explained (the runtime is asked which
 * thread made the call) and logged, a flood handed to the supervisor; the JVM's exit is a crash unless the host
 * asked for it.
 */
final class ProcessEvents implements SandboxListener {

    /** The manager's logger: operators' log settings and filters name it. */
    private static final Logger log = LoggerFactory.getLogger(PluginManager.class);

    /** Violations of one launch logged one by one within the window; the rest are only counted. */
    private static final int LOGGED_VIOLATIONS = 20;

    /** Frames of a violating thread's Java stack kept for the API, and logged. */
    private static final int STACK_FRAMES = 32;
    private static final int LOGGED_FRAMES = 12;

    private final PluginInstance instance;
    private final Launch launch;
    private final PluginHostProperties.Sandbox sandbox;
    private final PluginMetrics metrics;
    private final Supervisor supervisor;

    ProcessEvents(PluginInstance instance, Launch launch, PluginHostProperties.Sandbox sandbox,
                  PluginMetrics metrics, Supervisor supervisor) {
        this.instance = instance;
        this.launch = launch;
        this.sandbox = sandbox;
        this.metrics = metrics;
        this.supervisor = supervisor;
    }

    @Override
    public void onViolation(Violation violation) {
        PluginInstance.RecordedViolation recorded = instance.record(violation);
        if (violation.boot()) {
            // The JDK's and the runtime's own start-up probes, before any plugin code ran: refused, and counted
            // apart so that they never look like the plugin's doing.
            metrics.bootProbe(instance.id(), violation.syscall());
            log.debug("plugin {} start-up probe refused: {}", instance.id(), violation);
            return;
        }
        metrics.syscallDenied(instance.id(), violation.syscall());
        int recent = launch.violation(sandbox.getViolationWindow());
        try (MDC.MDCCloseable ignored = MDC.putCloseable("plugin", instance.id())) {
            // Every violation is counted; only the first ones of a flood are explained and logged one by one.
            if (recent <= LOGGED_VIOLATIONS) {
                explain(recorded);
            } else {
                release();
            }
            supervisor.violated(instance, launch, recent);
        }
    }

    /**
     * Asks the runtime which Java thread made the call, and what it serves, while the supervisor holds the call
     * (PluginJvm's hold): then logs the violation with the answer, or without one after the query's timeout, and
     * lets the supervisor answer the call. Off the event thread: the answer arrives on the session.
     */
    private void explain(PluginInstance.RecordedViolation recorded) {
        Violation violation = recorded.violation();
        var connection = launch.connection;
        CompletableFuture<ThreadReport> query = connection == null || violation.action() == ViolationMode.KILL
                ? CompletableFuture.failedFuture(new IllegalStateException("not asked"))
                : connection.queryThread(violation.task().nsTid(), violation.task().thread(), STACK_FRAMES,
                        PluginJvm.VIOLATION_HOLD.minusMillis(100));
        query.whenComplete((report, failure) -> {
            if (report != null && report.getFound()) {
                // The plugin's words: bounded here, whatever its runtime sent.
                recorded.report(new PluginInstance.ThreadReport(
                        report.getOperation().isEmpty() ? null : bounded(report.getOperation()),
                        report.getFramesList().stream().limit(STACK_FRAMES).map(ProcessEvents::bounded)
                                .toList()));
            }
            release();
            log(recorded);
        });
    }

    private static String bounded(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }

    private void log(PluginInstance.RecordedViolation recorded) {
        Violation v = recorded.violation();
        PluginInstance.ThreadReport report = recorded.report();
        StringBuilder line = new StringBuilder();
        if (report != null) {
            if (report.operation() != null) {
                line.append(" in operation '").append(Violation.printable(report.operation())).append('\'');
            }
            line.append("; stack when reported:");
            report.stack().stream().limit(LOGGED_FRAMES)
                    .forEach(frame -> line.append("\n\tat ").append(Violation.printable(frame)));
        }
        try (MDC.MDCCloseable ignored = MDC.putCloseable("plugin", instance.id())) {
            log.warn("plugin {} violated its sandbox: {} ({}){}", instance.id(), v, v.action().cliName(), line);
        }
    }

    /** Lets the supervisor answer the calls it holds (none is harmless). */
    private void release() {
        SandboxedProcess process = launch.process;
        if (process != null) {
            try {
                process.releaseHeld();
            } catch (IOException e) {
                // the launcher is gone, and with it every held call
            }
        }
    }

    @Override
    public void onExit(ExitStatus exit) {
        launch.exited.complete(null);
        String reason = (exit.signalled() ? "plugin JVM was killed by signal " + exit.signal()
                : "plugin JVM exited with status " + exit.exitCode()) + Launches.lastOutput(instance);
        launch.ready.completeExceptionally(new IllegalStateException(reason));
        if (launch.standby) {
            log.info("plugin {}: standby ended: {}", instance.id(), reason);
        } else if (!launch.stopping) {
            supervisor.crashed(instance, launch, reason);
        }
    }

    @Override
    public void onError(String message) {
        log.error("plugin {} launcher: {}", instance.id(), message);
    }
}
