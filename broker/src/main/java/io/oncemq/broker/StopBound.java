package io.oncemq.broker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The bound of a graceful stop: a step that outlasts it (a dead peer, a hung close) is named in one ERROR line
 * and the JVM halts with {@link #OVERRUN_EXIT_CODE}. What was acknowledged is durable by then either way (E2):
 * the node restarts from its journal, or a holder of its copy adopts it, as after SIGKILL.
 */
final class StopBound {

    private static final Logger log = LoggerFactory.getLogger(StopBound.class);
    /** The exit code of a stop that overran its bound (README, Graceful stop). */
    static final int OVERRUN_EXIT_CODE = 1;

    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile String step = "starting to stop";

    private StopBound() {
    }

    /** Starts the watch: the stop must call {@link #done} within {@code millis}. */
    static StopBound start(long millis) {
        StopBound b = new StopBound();
        Thread watch = new Thread(() -> b.watch(millis), "oncemq-stop-bound");
        watch.setDaemon(true);
        watch.start();
        return b;
    }

    private void watch(long millis) {
        try {
            if (finished.await(millis, TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.error("the stop overran its bound of {} ms while {}; halting with exit code {}", millis, step, OVERRUN_EXIT_CODE);
        Runtime.getRuntime().halt(OVERRUN_EXIT_CODE);
    }

    /** The step under way, for the ERROR line. */
    void step(String what) {
        step = what;
    }

    String current() {
        return step;
    }

    void done() {
        finished.countDown();
    }
}
