package dev.pluginhost.host.lifecycle;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Plugin JVMs boot in turns ({@code plugins.start-concurrency} at once, in arrival order). A boot is CPU-bound: in
 * turns each is about as fast as alone, and the host's request threads keep a core. A turn ends when its launch is
 * done or after {@code limit}, whichever is first, so a plugin whose {@code start()} dawdles holds up the others' starts
 * by that much at most.
 */
final class BootTurns {

    /** One launch's turn; closing it ends the turn (once, whichever of close and the limit comes first). */
    interface Turn extends AutoCloseable {
        @Override
        void close();
    }

    private final Semaphore turns;
    private final Duration limit;
    private final ScheduledExecutorService timers;

    BootTurns(int atOnce, Duration limit, ScheduledExecutorService timers) {
        this.turns = new Semaphore(atOnce, true);
        this.limit = limit;
        this.timers = timers;
    }

    /** Waits for a turn. */
    Turn take() throws InterruptedException {
        turns.acquire();
        AtomicBoolean held = new AtomicBoolean(true);
        Runnable end = () -> {
            if (held.compareAndSet(true, false)) {
                turns.release();
            }
        };
        ScheduledFuture<?> limited = timers.schedule(end, limit.toMillis(), TimeUnit.MILLISECONDS);
        return () -> {
            limited.cancel(false);
            end.run();
        };
    }
}
