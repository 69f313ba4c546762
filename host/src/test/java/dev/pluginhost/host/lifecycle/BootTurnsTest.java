package dev.pluginhost.host.lifecycle;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BootTurnsTest {

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    private static CompletableFuture<BootTurns.Turn> takeLater(BootTurns turns) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return turns.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aSecondBootWaitsForTheFirstToEnd() throws Exception {
        BootTurns turns = new BootTurns(1, Duration.ofMinutes(1), timers);
        BootTurns.Turn first = turns.take();
        CompletableFuture<BootTurns.Turn> second = takeLater(turns);
        Thread.sleep(300);
        assertFalse(second.isDone(), "a second boot started while the only turn was taken");
        first.close();
        second.get(5, TimeUnit.SECONDS).close();
    }

    @Test
    void aDawdlingBootLosesItsTurnAtTheLimitAndItsLateCloseFreesNothingMore() throws Exception {
        BootTurns turns = new BootTurns(1, Duration.ofMillis(500), timers);
        BootTurns.Turn dawdler = turns.take();
        BootTurns.Turn next = takeLater(turns).get(5, TimeUnit.SECONDS); // freed by the limit, not by the dawdler
        dawdler.close(); // too late: must not free a second turn while `next` holds the only one
        CompletableFuture<BootTurns.Turn> third = takeLater(turns);
        Thread.sleep(100);
        assertFalse(third.isDone(), "the late close of a turn already ended freed another");
        next.close();
        assertTrue(third.get(5, TimeUnit.SECONDS) != null);
    }
}
