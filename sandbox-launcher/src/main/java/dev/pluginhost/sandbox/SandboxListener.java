package dev.pluginhost.sandbox;

/**
 * Receives a sandboxed program's events, on the launch's event thread (one per launch, in order). Keep the
 * callbacks short; an exception thrown here is swallowed so that the events keep flowing.
 */
public interface SandboxListener {

    /** A listener that ignores everything. */
    SandboxListener NONE = new SandboxListener() {
    };

    /**
     * One isolation layer, reported before the program runs (all of them before {@link #onStarted}). See
     * {@link Layer}: an inactive layer means this launch is less isolated than it could be, and {@code reason} says
     * why; log it loudly.
     */
    default void onLayer(String name, boolean active, String reason) {
    }

    /** The program was forked, filtered and is about to exec; {@code pid} is the sandboxed process. */
    default void onStarted(long pid) {
    }

    /**
     * The boot phase ended ({@link SandboxedProcess#endBootPhase()} reached the supervisor): violations from now on
     * are {@code boot() == false} and handled per {@link LaunchSpec#mode()}. Only for {@link LaunchSpec#bootPhase()}.
     */
    default void onBooted() {
    }

    /** The program made a system call its policy does not allow. */
    default void onViolation(Violation violation) {
    }

    /** The launcher or its setup reported an error (the program may never have run). */
    default void onError(String message) {
    }

    /** The program and its launcher are gone. Called exactly once, last. */
    default void onExit(ExitStatus status) {
    }
}
