package dev.pluginhost.sandbox;

import com.sun.jna.LastErrorException;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import dev.pluginhost.sandbox.oci.Json;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A program running under the sandbox launcher. The launcher is this JVM's child; the program is the launcher's.
 * Its stdout and stderr (which the launcher's own error messages share) must be drained by the caller, or the
 * program blocks once a pipe buffer fills.
 */
public final class SandboxedProcess {
    private static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(10);

    private final Process launcher;
    private final Path events;
    private final Path runDir;
    private final SandboxListener listener;
    private final CompletableFuture<Long> started = new CompletableFuture<>();
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private volatile boolean eventsOpened;
    private volatile ExitStatus programExit;
    private boolean bootPhaseEnded; // guarded by this
    private final boolean bootPhase;
    private final List<Layer> layers = new CopyOnWriteArrayList<>();

    SandboxedProcess(Process launcher, Path events, Path runDir, SandboxListener listener) {
        this(launcher, events, runDir, listener, false);
    }

    SandboxedProcess(Process launcher, Path events, Path runDir, SandboxListener listener, boolean bootPhase) {
        this.bootPhase = bootPhase;
        this.launcher = launcher;
        this.events = events;
        this.runDir = runDir;
        this.listener = listener == null ? SandboxListener.NONE : listener;
        Thread reader = new Thread(this::readEvents, "sandbox-events-" + launcher.pid());
        reader.setDaemon(true);
        reader.start();
        launcher.onExit().thenRunAsync(this::unblockEventReader);
    }

    /** The sandboxed program's pid; waits up to 10 seconds for it to start. */
    public long pid() {
        return pid(DEFAULT_START_TIMEOUT);
    }

    /**
     * The sandboxed program's pid, waiting up to {@code timeout} for it to start.
     *
     * @throws IllegalStateException if it did not start (the launcher failed, or the timeout passed)
     */
    public long pid(Duration timeout) {
        try {
            return started.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("program did not start within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The isolation layers the launcher reported, in order. Complete once the program has started ({@link #pid()}
     * returned); a launch whose setup failed may have reported only some. One report may be updated later: the
     * rlimits layer's, when its session group's nice was set after the program started (a non-root launcher may
     * change it once per 100 ms machine-wide; autogroup.c).
     */
    public List<Layer> layers() {
        return List.copyOf(layers);
    }

    /** The launcher's (supervisor's) pid: the program's parent. */
    public long launcherPid() {
        return launcher.pid();
    }

    /** The program's stdout. */
    public InputStream stdout() {
        return launcher.getInputStream();
    }

    /** The program's stderr, and the launcher's error messages. */
    public InputStream stderr() {
        return launcher.getErrorStream();
    }

    /** Completes when the launcher has exited and all events were delivered. */
    public CompletableFuture<ExitStatus> onExit() {
        return exit;
    }

    /** Whether the launcher (and so possibly the program) still runs. */
    public boolean isAlive() {
        return launcher.isAlive();
    }

    /**
     * Ends the boot phase ({@link LaunchSpec#bootPhase()}): writes one byte to the launcher's host pipe and flushes.
     * Call it before the plugin's own code can run (before answering the runtime's handshake): the supervisor looks
     * at that pipe before judging any later notification, so every violation the plugin's code causes is reported
     * as a run-phase one and handled per mode. {@link SandboxListener#onBooted()} follows. Idempotent; harmless for
     * a launch without a boot phase.
     *
     * @throws IOException if the launcher is gone (the byte cannot be delivered)
     */
    public synchronized void endBootPhase() throws IOException {
        if (bootPhaseEnded) {
            return;
        }
        if (!launcher.isAlive()) {
            throw new IOException("launcher " + launcher.pid() + " is gone, cannot end its boot phase");
        }
        OutputStream pipe = launcher.getOutputStream();
        pipe.write('B');
        pipe.flush();
        bootPhaseEnded = true;
    }

    /**
     * Answers the run-phase violations whose answer waits ({@link LaunchSpec#hold()}): one byte on the launcher's
     * host pipe, after the boot phase. Harmless when none waits.
     *
     * @throws IOException if the launcher is gone
     */
    public synchronized void releaseHeld() throws IOException {
        if (!bootPhaseEnded && bootPhase) {
            return; // a byte now would end the boot phase instead
        }
        OutputStream pipe = launcher.getOutputStream();
        pipe.write('R');
        pipe.flush();
    }

    /**
     * Asks the launcher to end the program: SIGTERM to the launcher, which SIGKILLs the program's process group and
     * exits with 137. Like {@link Process#destroy()}, this closes {@link #stdout()} and {@link #stderr()}.
     */
    public void kill() {
        launcher.destroy();
    }

    private void readEvents() {
        try (FileInputStream in = new FileInputStream(events.toFile())) { // blocks until the launcher opens it
            eventsOpened = true;
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                dispatch(line);
            }
        } catch (IOException | RuntimeException e) {
            safely(() -> listener.onError("reading events: " + e));
        } finally {
            finish();
        }
    }

    private void dispatch(String line) {
        Map<String, Object> event;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> parsed = (Map<String, Object>) Json.parse(line);
            event = parsed;
        } catch (IllegalArgumentException | ClassCastException e) {
            safely(() -> listener.onError("bad event line: " + line));
            return;
        }
        switch (String.valueOf(event.get("event"))) {
            case "started" -> {
                long pid = number(event, "pid");
                started.complete(pid);
                safely(() -> listener.onStarted(pid));
            }
            case "violation" -> {
                Violation v = violation(event);
                safely(() -> listener.onViolation(v));
            }
            case "exited" -> {
                int signal = (int) number(event, "signal");
                int status = (int) number(event, "status");
                programExit = new ExitStatus(signal != 0 ? 128 + signal : status, signal);
            }
            case "booted" -> safely(listener::onBooted);
            case "layer" -> {
                Layer layer = new Layer(String.valueOf(event.get("name")), Boolean.TRUE.equals(event.get("active")),
                        String.valueOf(event.getOrDefault("reason", "")), Boolean.TRUE.equals(event.get("replaced")));
                replaceOrAdd(layer);
                safely(() -> listener.onLayer(layer.name(), layer.active(), layer.reason()));
            }
            case "error" -> safely(() -> listener.onError(String.valueOf(event.get("message"))));
            default -> safely(() -> listener.onError("unknown event: " + line));
        }
    }

    /** A layer reported again (the rlimits layer, once its group's nice is set: autogroup.c) replaces its report. */
    private synchronized void replaceOrAdd(Layer layer) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).name().equals(layer.name())) {
                layers.set(i, layer);
                return;
            }
        }
        layers.add(layer);
    }

    private static Violation violation(Map<String, Object> event) {
        long arch = number(event, "arch");
        int nr = (int) number(event, "nr");
        @SuppressWarnings("unchecked")
        List<String> hex = (List<String>) event.getOrDefault("args", List.of());
        long[] args = new long[6];
        for (int i = 0; i < Math.min(6, hex.size()); i++) {
            String h = hex.get(i);
            args[i] = Long.parseUnsignedLong(h.startsWith("0x") ? h.substring(2) : h, 16);
        }
        Violation.Task task = new Violation.Task(text(event, "comm"), number(event, "ns_tid"),
                event.containsKey("path_arg") ? (int) number(event, "path_arg") : -1, text(event, "path"),
                Boolean.TRUE.equals(event.get("path_truncated")), text(event, "path_error"));
        return new Violation(number(event, "pid"), Syscalls.name(arch, nr), nr, arch, args,
                ViolationMode.fromCliName(String.valueOf(event.get("action"))),
                Instant.ofEpochMilli(number(event, "time_ms")), "boot".equals(event.get("phase")), task);
    }

    private static String text(Map<String, Object> event, String key) {
        return event.get(key) instanceof String s ? s : null;
    }

    private static long number(Map<String, Object> event, String key) {
        return event.get(key) instanceof Number n ? n.longValue() : 0; // Json reads integers as BigInteger
    }

    private void finish() {
        boolean interrupted = false;
        while (true) {
            try {
                launcher.waitFor();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        ExitStatus status = programExit != null ? programExit : new ExitStatus(launcher.exitValue(), 0);
        started.completeExceptionally(new IllegalStateException(
                "launcher exited with " + launcher.exitValue() + " before the program started"));
        deleteRecursively(runDir);
        safely(() -> listener.onExit(status));
        exit.complete(status);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * If the launcher died before opening the events FIFO, the reader is stuck in open(): open the writing end
     * once, without blocking, so that it proceeds and sees EOF.
     */
    private void unblockEventReader() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!eventsOpened && System.nanoTime() < deadline) {
            try {
                int fd = LibC.get().open(events.toString(), LibC.O_WRONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
                LibC.get().close(fd);
                return;
            } catch (LastErrorException e) {
                // ENXIO: the reader has not reached open() yet (or has closed already); ENOENT: cleaned up
                if (e.getErrorCode() != 6) {
                    return;
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void safely(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            // A listener's failure must not stop event delivery.
        }
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: the directory is private and small
        }
    }
}
