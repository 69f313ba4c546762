package dev.pluginhost.host.lifecycle;

import dev.pluginhost.host.capability.PluginConnection;
import dev.pluginhost.host.capability.PluginGrants;
import dev.pluginhost.host.capability.PluginServer;
import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.sandbox.SandboxedProcess;
import dev.pluginhost.sandbox.Violation;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One installed plugin and, while it runs, its JVM, socket and session. Mutable; guarded by itself. */
public final class PluginInstance {

    private static final int KEPT_VIOLATIONS = 100;

    private final PluginDescriptor descriptor;
    private final PluginGrants grants;
    private final OutputTail output = new OutputTail(200);
    private final Deque<Violation> violations = new ArrayDeque<>();
    private PluginState state = PluginState.INSTALLED;
    private Instant since = Instant.now();
    private String lastError;
    private List<String> operations = List.of();
    private PluginConnection connection;
    private PluginServer server;
    private SandboxedProcess process;
    private long pid = -1;
    private final CompletableFuture<List<String>> ready = new CompletableFuture<>();

    PluginInstance(PluginDescriptor descriptor, PluginGrants grants) {
        this.descriptor = descriptor;
        this.grants = grants;
    }

    public PluginDescriptor descriptor() {
        return descriptor;
    }

    public String id() {
        return descriptor.id();
    }

    public PluginGrants grants() {
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

    public synchronized List<String> operations() {
        return operations;
    }

    /** @return the sandboxed plugin JVM's pid, or -1 when it is not running */
    public synchronized long pid() {
        return pid;
    }

    public synchronized List<Violation> violations() {
        return new ArrayList<>(violations);
    }

    public List<String> output() {
        return output.lines();
    }

    synchronized PluginConnection connection() {
        return connection;
    }

    synchronized SandboxedProcess process() {
        return process;
    }

    synchronized PluginServer server() {
        return server;
    }

    CompletableFuture<List<String>> ready() {
        return ready;
    }

    OutputTail outputTail() {
        return output;
    }

    synchronized void attach(PluginConnection connection, PluginServer server) {
        this.connection = connection;
        this.server = server;
    }

    synchronized void attach(SandboxedProcess process) {
        this.process = process;
    }

    synchronized void pid(long pid) {
        this.pid = pid;
    }

    synchronized void transition(PluginState next, String error) {
        state = next;
        since = Instant.now();
        if (error != null) {
            lastError = error;
        }
        if (next != PluginState.RUNNING && next != PluginState.STARTING && next != PluginState.STOPPING) {
            pid = -1;
        }
    }

    synchronized void readyWith(List<String> operations) {
        this.operations = operations;
    }

    synchronized void record(Violation violation) {
        if (violations.size() == KEPT_VIOLATIONS) {
            violations.removeFirst();
        }
        violations.addLast(violation);
    }
}
