package dev.pluginhost.host.lifecycle;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the plugins folder. A {@code *.jar} that appears or changes is reported once it has stayed unchanged for
 * the settle time, so a jar still being copied is never loaded (installing by atomic rename avoids the wait
 * altogether); a removed jar is reported at once. Other names (such as {@code .hello.jar.tmp}) are ignored.
 */
final class PluginWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PluginWatcher.class);

    private final Path dir;
    private final long settleMillis;
    private final Consumer<Path> changed;
    private final Consumer<Path> removed;
    private final Map<Path, ScheduledFuture<?>> settling = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "plugin-watcher-settle");
        thread.setDaemon(true);
        return thread;
    });
    private WatchService service;
    private Thread thread;

    PluginWatcher(Path dir, java.time.Duration settle, Consumer<Path> changed, Consumer<Path> removed) {
        this.dir = dir;
        this.settleMillis = settle.toMillis();
        this.changed = changed;
        this.removed = removed;
    }

    void start() throws IOException {
        service = FileSystems.getDefault().newWatchService();
        dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        thread = new Thread(this::run, "plugin-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = service.take();
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        log.warn("plugins folder watch overflowed: some changes may need a host restart to show");
                        continue;
                    }
                    Path jar = dir.resolve((Path) event.context());
                    if (!jar.getFileName().toString().endsWith(".jar")) {
                        continue;
                    }
                    if (event.kind() == StandardWatchEventKinds.ENTRY_DELETE) {
                        cancel(jar);
                        safely(removed, jar);
                    } else {
                        settle(jar);
                    }
                }
                if (!key.reset()) {
                    log.error("plugins folder {} is gone: no longer watching it", dir);
                    return;
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    /** (Re)starts the jar's settle timer: it is reported only after no change for the settle time. */
    private void settle(Path jar) {
        ScheduledFuture<?> next = timer.schedule(() -> {
            settling.remove(jar);
            if (Files.isRegularFile(jar)) {
                safely(changed, jar);
            }
        }, settleMillis, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> previous = settling.put(jar, next);
        if (previous != null) {
            previous.cancel(false);
        }
    }

    private void cancel(Path jar) {
        ScheduledFuture<?> pending = settling.remove(jar);
        if (pending != null) {
            pending.cancel(false);
        }
    }

    private static void safely(Consumer<Path> action, Path jar) {
        try {
            action.accept(jar);
        } catch (RuntimeException e) {
            log.error("handling {} failed: {}", jar.getFileName(), e.toString(), e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            if (service != null) {
                service.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        if (thread != null) {
            thread.interrupt();
        }
    }
}
