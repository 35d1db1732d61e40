package io.oncemq.broker;

import io.oncemq.broker.cluster.ClusterNode;
import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.server.MqttVerticle;
import io.oncemq.cluster.Fence;
import io.oncemq.journal.Journal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * A node's graceful stop (SIGTERM, Ctrl-C), in this order: the listeners stop accepting; each connection
 * starts no new handshake towards its client, and once nothing is in flight (or {@code shutdown-grace} has
 * passed) it waits for its journal batches (durable, and copied to the copy holders in a cluster: E2), then
 * closes (MQTT 5: DISCONNECT 0x8B); a kept session's will stays journaled (README, Graceful stop). Then the journal is
 * flushed and closed, then the node leaves the cluster, whose other nodes adopt its sessions from the copy.
 * Bounded by {@link StopBound}: {@code shutdown-grace} + {@link #BOUND_AFTER_GRACE_MILLIS}, also with a dead peer.
 * Each part is null when start-up had not reached it.
 */
final class GracefulStop {

    private static final Logger log = LoggerFactory.getLogger(GracefulStop.class);
    /**
     * What the stop may take beyond {@code shutdown-grace}: the connections' last batches ({@link MqttVerticle#CLOSE_MARGIN_MILLIS}
     * + 1 s), the home loop's (0.5 s), Vert.x closing (0.5 s), the journal, leaving the cluster (Hazelcast's graceful
     * leave waits at most 3 s, see Membership): 6 s and a margin, so the default stop fits Docker's 10 s before SIGKILL.
     */
    static final long BOUND_AFTER_GRACE_MILLIS = 7_000;

    private final long graceSeconds;
    private final Vertx vertx;
    private final String mqttDeployment;
    private final Context homeContext;
    private final JournalBatcher home;
    private final Fence fence;
    private final Journal journal;
    private final ClusterNode cluster;

    GracefulStop(long graceSeconds, Vertx vertx, String mqttDeployment, Context homeContext, JournalBatcher home,
                 Fence fence, Journal journal, ClusterNode cluster) {
        this.graceSeconds = graceSeconds;
        this.vertx = vertx;
        this.mqttDeployment = mqttDeployment;
        this.homeContext = homeContext;
        this.home = home;
        this.fence = fence;
        this.journal = journal;
        this.cluster = cluster;
    }

    void run() {
        long grace = graceSeconds * 1000L;
        long start = System.nanoTime();
        StopBound bound = StopBound.start(grace + BOUND_AFTER_GRACE_MILLIS);
        try {
            if (mqttDeployment != null) {
                log.info("OnceMQ stopping: not ready; listeners closed; connections get up to {} s to finish their handshakes",
                        graceSeconds);
                bound.step("closing the client connections");
                awaitAtMost(vertx.undeploy(mqttDeployment), grace + MqttVerticle.CLOSE_MARGIN_MILLIS + 1000, bound);
            }
            if (home != null) {
                bound.step("waiting for the home loop's last journal batches");
                awaitAtMost(Future.<Void>future(p -> homeContext.runOnContext(v -> home.then(p::complete))), 500, bound);
            }
            if (fence != null) {
                fence.close(); // clients are gone: its lease may run out now, as the others may leave first
            }
            if (vertx != null) {
                bound.step("closing Vert.x");
                awaitAtMost(vertx.close(), 500, bound);
            }
            if (journal != null) {
                bound.step("closing the journal");
                journal.close();
            }
            if (cluster != null) {
                bound.step("leaving the cluster");
                cluster.close();
            }
            log.info("OnceMQ stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        } finally {
            bound.done();
        }
    }

    /** Waits for a step of the stop; one that takes longer is left behind with one WARN line (the next step goes on). */
    private static void awaitAtMost(Future<?> f, long millis, StopBound bound) {
        try {
            f.toCompletionStage().toCompletableFuture().get(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("stopping: {} did not complete within {} ms ({}); going on", bound.current(), millis, e.toString());
        }
    }
}
