package dev.pluginhost.host.lifecycle;

import dev.pluginhost.host.capability.PluginGrants;
import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.host.logs.PluginLogSink;
import dev.pluginhost.sandbox.Layer;
import dev.pluginhost.sandbox.Violation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;

/**
 * One installed plugin across its launches: state, history and the current launch. Guarded by itself.
 */
public final class PluginInstance {

    private static final int KEPT_VIOLATIONS = 100;

    private final String id;
    private final PluginLogSink logs;
    /** Run-phase and boot-phase violations apart: a launch's start-up probes never push out the plugin's own. */
    private final Deque<RecordedViolation> violations = new ArrayDeque<>();
    private final Deque<RecordedViolation> bootProbes = new ArrayDeque<>();
    private final Deque<Instant> crashes = new ArrayDeque<>();
    private PluginDescriptor descriptor;
    private PluginGrants grants;
    private PluginState state = PluginState.INSTALLED;
    private Instant since = Instant.now();
    private Instant startedAt;
    private String lastError;
    private int restarts;
    private List<String> operations = List.of();
    private Launch active;
    private Launch candidate;
    private ScheduledFuture<?> pendingRestart;
    private int failedHealthChecks;
    private Supplier<List<Layer>> layers = List::of;
    private List<String> sandboxAllowances = List.of();

    PluginInstance(PluginDescriptor descriptor, PluginGrants grants, PluginLogSink logs) {
        this.id = descriptor.id();
        this.descriptor = descriptor;
        this.grants = grants;
        this.logs = logs;
    }

    public String id() {
        return id;
    }

    public synchronized PluginDescriptor descriptor() {
        return descriptor;
    }

    public synchronized PluginGrants grants() {
        return grants;
    }

    public synchronized PluginState state() {
        return state;
    }

    public synchronized Instant since() {
        return since;
    }

    public synchronized String lastError() {
        return lastError;
    }

    public synchronized int restarts() {
        return restarts;
    }

    public synchronized List<String> operations() {
        return operations;
    }

    /** @return how long the current launch has been running, or null when it is not running */
    public synchronized Duration uptime() {
        return state == PluginState.RUNNING && startedAt != null ? Duration.between(startedAt, Instant.now()) : null;
    }

    /** @return the sandboxed plugin JVM's pid, or -1 when it is not running */
    public synchronized long pid() {
        return active != null && state == PluginState.RUNNING ? active.pid : -1;
    }

    public synchronized List<Violation> violations() {
        return recordedViolations().stream().map(RecordedViolation::violation).toList();
    }

    /** @return the kept violations, boot-phase and run-phase, oldest first, with what the runtime said of each */
    public synchronized List<RecordedViolation> recordedViolations() {
        List<RecordedViolation> all = new ArrayList<>(bootProbes);
        all.addAll(violations);
        all.sort(java.util.Comparator.comparing(r -> r.violation().time()));
        return all;
    }

    /**
     * What the plugin runtime said about the thread of a run-phase violation, when asked after the supervisor
     * reported it.
     *
     * @param operation the operation the thread was serving, null when none
     * @param stack the thread's Java stack when the runtime was asked, innermost first (bounded)
     */
    public record ThreadReport(String operation, List<String> stack) {
        public ThreadReport {
            stack = List.copyOf(stack);
        }
    }

    /** A kept violation; the runtime's report of its thread arrives later, if at all. */
    public static final class RecordedViolation {
        private final Violation violation;
        private volatile ThreadReport report;

        RecordedViolation(Violation violation) {
            this.violation = violation;
        }

        public Violation violation() {
            return violation;
        }

        /** @return what the runtime said of the calling thread, null until (unless) it answered */
        public ThreadReport report() {
            return report;
        }

        void report(ThreadReport report) {
            this.report = report;
        }
    }

    public PluginLogSink logs() {
        return logs;
    }

    /**
     * @return the isolation layers of the current launch, active or not, as the launcher reported them (read live: the
     *     launcher may report the rlimits layer again once the plugin's scheduling group has its nice)
     */
    public List<Layer> layers() {
        Supplier<List<Layer>> current;
        synchronized (this) {
            current = layers;
        }
        return current.get();
    }

    synchronized void layers(Supplier<List<Layer>> reported) {
        layers = reported;
    }

    /** @return the system calls the operator allowed this plugin beyond the default policy (plugins.sandbox.allow) */
    public synchronized List<String> sandboxAllowances() {
        return sandboxAllowances;
    }

    synchronized void sandboxAllowances(List<String> allowed) {
        sandboxAllowances = List.copyOf(allowed);
    }

    synchronized Launch active() {
        return active;
    }

    synchronized Launch candidate() {
        return candidate;
    }

    synchronized void candidate(Launch launch) {
        candidate = launch;
    }

    /** @return whether {@code launch} was the candidate (and no longer is); false when a newer one replaced it */
    synchronized boolean dropCandidate(Launch launch) {
        if (candidate != launch) {
            return false;
        }
        candidate = null;
        return true;
    }

    /**
     * The launch is ready: it becomes the one serving invocations; returns the one it replaces, if any. Only the
     * plugin's own launch or candidate, alive and not being stopped, takes over: its JVM may die between "ready" and
     * this call, and its crash handling (FAILED, a restart scheduled or begun) then already came first. Taking over
     * anyway left the plugin RUNNING on a dead pid, its restart retired or skipped, for good.
     *
     * @throws IllegalStateException when the launch ended or was replaced; nothing changes then
     */
    synchronized Launch promote(Launch launch, List<String> ops) {
        checkMove(PluginState.RUNNING);
        if ((launch != active && launch != candidate) || launch.stopping || launch.exited.isDone()
                || launch.ended.get()) {
            throw new IllegalStateException("plugin '" + id + "': launch of version " + launch.descriptor.version()
                    + " ended before it took over");
        }
        Launch previous = active == launch ? null : active;
        active = launch;
        if (candidate == launch) {
            candidate = null;
        }
        descriptor = launch.descriptor;
        operations = ops;
        startedAt = Instant.now();
        failedHealthChecks = 0;
        transition(PluginState.RUNNING, null);
        return previous;
    }

    /**
     * A launch begins over the plugin's current one, which is not serving: failed, stopped, or starting (that one
     * then fails its take-over and is released). Refused while the plugin is serving: such a launch was decided on
     * before a new version took over (a restart of the crashed launch it replaced), and beginning over the new
     * version left its JVM running, unknown to the host (issue 16).
     *
     * @throws IllegalStateException when the plugin is running or the move is not allowed; nothing changes then
     */
    synchronized void starting(Launch launch) {
        if (state == PluginState.RUNNING) {
            throw new IllegalStateException("plugin '" + id + "' is running version " + descriptor.version()
                    + " by now: a launch of version " + launch.descriptor.version() + " does not begin over it");
        }
        checkMove(PluginState.STARTING);
        active = launch;
        transition(PluginState.STARTING, null);
    }

    /**
     * A new version's launch begins: beside the serving launch, taking over once ready, or over the current one when
     * the plugin is not serving. Decided when the launch begins, under the lock, not when its jar was seen: a restart
     * may have brought the plugin back to running in between.
     *
     * @return whether it runs beside the serving launch
     * @throws IllegalStateException as {@link #starting} does; nothing changes then
     */
    synchronized boolean newVersion(Launch launch) {
        if (state == PluginState.RUNNING) {
            candidate = launch;
            return true;
        }
        starting(launch);
        return false;
    }

    synchronized void regrant(PluginDescriptor next, PluginGrants nextGrants) {
        descriptor = next;
        grants = nextGrants;
    }

    /** @throws IllegalStateException for a move {@link PluginState#canMoveTo} does not allow; nothing changes then */
    synchronized void transition(PluginState next, String error) {
        checkMove(next);
        state = next;
        since = Instant.now();
        if (error != null) {
            lastError = error;
        }
    }

    private void checkMove(PluginState next) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("plugin '" + id + "' cannot move from " + state + " to " + next);
        }
    }

    /** Records a crash now and returns how many fell within the window. */
    synchronized int crashed(Duration window) {
        Instant now = Instant.now();
        crashes.addLast(now);
        while (!crashes.isEmpty() && crashes.peekFirst().isBefore(now.minus(window))) {
            crashes.removeFirst();
        }
        return crashes.size();
    }

    synchronized void forgetCrashes() {
        crashes.clear();
    }

    synchronized void restarting(ScheduledFuture<?> restart) {
        restarts++;
        pendingRestart = restart;
    }

    synchronized void cancelRestart() {
        if (pendingRestart != null) {
            pendingRestart.cancel(false);
            pendingRestart = null;
        }
    }

    synchronized int healthCheckFailed() {
        return ++failedHealthChecks;
    }

    synchronized void healthCheckPassed() {
        failedHealthChecks = 0;
    }

    synchronized RecordedViolation record(Violation violation) {
        Deque<RecordedViolation> kept = violation.boot() ? bootProbes : violations;
        if (kept.size() == KEPT_VIOLATIONS) {
            kept.removeFirst();
        }
        RecordedViolation recorded = new RecordedViolation(violation);
        kept.addLast(recorded);
        return recorded;
    }
}
