package dev.pluginhost.host.capability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The lock-free token bucket behind plugins.limits.rate/burst and the events publish rate. */
class CallLimitsTest {

    @Test
    void aFullBucketGivesItsBurstAtOnceThenRefuses() {
        CallLimits.TokenBucket bucket = new CallLimits.TokenBucket(1, 3);
        assertThat(List.of(bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()))
                .containsExactly(true, true, true, false);
    }

    @Test
    void itRefillsAtItsRate() throws InterruptedException {
        CallLimits.TokenBucket bucket = new CallLimits.TokenBucket(1000, 1);
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).as("empty: the next token comes in 1 ms").isFalse();
        Thread.sleep(5);
        assertThat(bucket.tryTake()).isTrue();
    }

    @Test
    void callersTakingAtOnceNeverGetMoreThanTheBurstAndTheRefill() throws InterruptedException {
        int burst = 1000;
        CallLimits.TokenBucket bucket = new CallLimits.TokenBucket(1, burst);
        AtomicInteger granted = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> callers = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < 8; t++) {
            Thread caller = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    if (bucket.tryTake()) {
                        granted.incrementAndGet();
                    }
                }
            });
            caller.start();
            callers.add(caller);
        }
        go.countDown();
        for (Thread caller : callers) {
            caller.join();
        }
        long refilled = (System.nanoTime() - start) / 1_000_000_000L; // one token a second
        assertThat(granted.get()).isBetween(burst, burst + (int) refilled + 1);
    }
}
