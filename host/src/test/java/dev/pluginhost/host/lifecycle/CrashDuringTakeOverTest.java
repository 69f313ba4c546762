package dev.pluginhost.host.lifecycle;

import static dev.pluginhost.host.lifecycle.TakeOvers.instance;
import static dev.pluginhost.host.lifecycle.TakeOvers.killed;
import static dev.pluginhost.host.lifecycle.TakeOvers.readyCandidate;
import static dev.pluginhost.host.lifecycle.TakeOvers.restartAfter;
import static dev.pluginhost.host.lifecycle.TakeOvers.serving;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.pluginhost.host.PluginHostProperties;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The serving launch of a plugin ends (its launcher SIGKILLed) while a new version started beside it takes over
 * (issue 16: FaultsIT, "launcher kill 15 (hot replacement to version 10)", saw writer running version 10 on a second
 * JVM while the first JVM of version 10 was left running, unknown to the host). The crash of the old launch was
 * checked while it was still the plugin's launch, the new version took over, and the crash then moved the plugin to
 * FAILED and scheduled a restart, which began over the new version's launch without ending it. The interleavings are
 * forced here, with the real {@link Supervisor} and {@link PluginInstance}; FaultsIT meets them at random.
 */
class CrashDuringTakeOverTest {

    private static final Logger MANAGER_LOG = (Logger) LoggerFactory.getLogger(PluginManager.class);

    private final PluginHostProperties properties = new PluginHostProperties();
    private final HostRuntime runtime = new HostRuntime(properties);
    private AppenderBase<ILoggingEvent> hook;

    @AfterEach
    void close() {
        if (hook != null) {
            MANAGER_LOG.detachAppender(hook);
            hook.stop();
        }
        runtime.timers().shutdownNow();
        runtime.starts().shutdownNow();
    }

    @Test
    void aNewVersionThatTakesOverWhileTheOldLaunchsCrashIsHandledKeepsServingAndIsNotRestartedOver() throws Exception {
        restartAfter(properties, "1ms");
        PluginInstance instance = instance();
        Restarts restarts = new Restarts();
        Supervisor supervisor = new Supervisor(properties, runtime, () -> List.of(instance), restarts::begin);
        Launch old = serving(instance);
        Launch next = readyCandidate(instance);
        // The take-over lands while the crash is being handled: when the supervisor logs it, which (without the fix)
        // came after its check that the crashed launch was the plugin's and before its move to FAILED.
        Launch[] replaced = new Launch[1];
        hookOnce("failed:", () -> replaced[0] = instance.promote(next, List.of("op")));

        killed(old, instance, supervisor, "plugin JVM exited with status 137");
        await().atMost(Duration.ofSeconds(10)).until(() -> replaced[0] != null);
        Thread.sleep(300); // a restart (1 ms backoff) would have begun by now: what must not happen takes a bound

        assertThat(instance.active()).as("the new version serves, no restart began over it").isSameAs(next);
        assertThat(instance.state()).isEqualTo(PluginState.RUNNING);
        // A restart may begin before the take-over (the move to FAILED may come first): the take-over then ends it.
        assertThat(replaced[0]).as("what the take-over retires").isIn(old, restarts.last);
    }

    @Test
    void aRestartDecidedBeforeANewVersionTookOverGivesWayToIt() {
        restartAfter(properties, "1m"); // the restart is run by hand below
        PluginInstance instance = instance();
        Restarts restarts = new Restarts();
        Supervisor supervisor = new Supervisor(properties, runtime, () -> List.of(instance), restarts::begin);
        Launch old = serving(instance);
        Launch next = readyCandidate(instance);

        killed(old, instance, supervisor, "plugin JVM exited with status 137");
        assertThat(instance.state()).isEqualTo(PluginState.FAILED);
        // The restart's timer fired while FAILED: it waits for a boot turn, which the new version holds until it took
        // over. Then the restart begins.
        assertThat(instance.promote(next, List.of("op"))).isSameAs(old);
        restarts.begin(instance);

        assertThat(instance.active()).as("the new version serves, no launch began over it").isSameAs(next);
        assertThat(instance.state()).isEqualTo(PluginState.RUNNING);
        assertThat(restarts.begun).hasValue(0);
        assertThat(restarts.gaveWay).hasValue(1);
    }

    @Test
    void aRestartOfAPluginThatIsNotServingStillBegins() {
        restartAfter(properties, "1ms");
        PluginInstance instance = instance();
        Restarts restarts = new Restarts();
        Supervisor supervisor = new Supervisor(properties, runtime, () -> List.of(instance), restarts::begin);
        Launch old = serving(instance);

        killed(old, instance, supervisor, "plugin JVM exited with status 137");

        await().atMost(Duration.ofSeconds(10)).until(() -> restarts.begun.get() == 1);
        assertThat(instance.state()).isEqualTo(PluginState.STARTING);
        assertThat(instance.active()).isNotSameAs(old);
    }

    @Test
    void aNewVersionSeenWhileThePluginWasDownBeginsBesideTheRestartThatBroughtItBack() {
        PluginInstance instance = instance();
        Launch restart = serving(instance); // the plugin was FAILED when the jar was seen; its restart came back since
        Launch next = new Launch(instance.descriptor());

        assertThat(instance.newVersion(next)).as("decided when it begins: beside the serving launch").isTrue();
        assertThat(instance.active()).isSameAs(restart);
        assertThat(instance.promote(next, List.of("op"))).as("which it retires when it takes over").isSameAs(restart);
    }

    /** What Launches does when a restart begins: a launch refused by the plugin's state is abandoned. */
    private static final class Restarts {
        final AtomicInteger begun = new AtomicInteger();
        final AtomicInteger gaveWay = new AtomicInteger();
        volatile Launch last;

        void begin(PluginInstance instance) {
            try {
                Launch launch = new Launch(instance.descriptor());
                instance.starting(launch);
                last = launch;
                begun.incrementAndGet();
            } catch (IllegalStateException e) {
                gaveWay.incrementAndGet();
            }
        }
    }

    /** Runs {@code action} on another thread the first time the manager's log says {@code text}, and waits for it. */
    private void hookOnce(String text, Runnable action) {
        hook = new AppenderBase<>() {
            private boolean done;

            @Override
            protected void append(ILoggingEvent event) {
                if (done || !event.getFormattedMessage().contains(text)) {
                    return;
                }
                done = true;
                // Another thread, as in the host (the new version's launch thread); bounded: if the supervisor holds
                // the plugin's lock here, the take-over comes right after it.
                CompletableFuture.runAsync(action).completeOnTimeout(null, 500, TimeUnit.MILLISECONDS).join();
            }
        };
        hook.start();
        MANAGER_LOG.addAppender(hook);
    }
}
