package dev.pluginhost.host.lifecycle;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.springframework.context.SmartLifecycle;

/** Starts the plugins once the application context is up, and stops them before it goes down. */
public final class PluginHostLifecycle implements SmartLifecycle {

    private final PluginManager manager;
    private volatile boolean running;

    public PluginHostLifecycle(PluginManager manager) {
        this.manager = manager;
    }

    @Override
    public void start() {
        try {
            manager.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the plugin host: " + e.getMessage(), e);
        }
        running = true;
    }

    @Override
    public void stop() {
        manager.close();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
