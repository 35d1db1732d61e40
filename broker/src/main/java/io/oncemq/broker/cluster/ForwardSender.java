package io.oncemq.broker.cluster;

import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.cluster.NodeCalls;
import io.oncemq.cluster.Membership;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends each batch of forwards until its node acknowledges it; the receiver drops repeats (E3), so a
 * retry after a lost answer is harmless. A node that left the cluster is given up on: its subscribers'
 * copies are lost until sessions are replicated (README, issue 5).
 */
public final class ForwardSender implements JournalBatcher.Forwarding {

    private static final Logger log = LoggerFactory.getLogger(ForwardSender.class);
    private static final long RETRY_MILLIS = 200;
    private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    /** The service that takes forwards on every node ({@link ForwardIntake}). */
    public static final String SERVICE = "forward";

    private final NodeCalls calls;
    private final Membership membership;
    private final Vertx vertx;
    private final AtomicLong givenUp = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private volatile long lastLog;

    public ForwardSender(NodeCalls calls, Membership membership, Vertx vertx) {
        this.calls = calls;
        this.membership = membership;
        this.vertx = vertx;
    }

    @Override
    public CompletableFuture<Void> send(String node, List<Forward> batch) {
        byte[] body = ForwardCodec.encode(batch);
        CompletableFuture<Void> done = new CompletableFuture<>();
        batches.incrementAndGet();
        attempt(node, body, batch.size(), done);
        return done;
    }

    private void attempt(String node, byte[] body, int messages, CompletableFuture<Void> done) {
        calls.call(node, SERVICE, body).whenComplete((ok, failure) -> {
            if (failure == null) {
                done.complete(null);
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof NodeCalls.NodeAbsent || !membership.isMember(node)) {
                long lost = givenUp.addAndGet(messages);
                long now = System.nanoTime();
                if (now - lastLog > LOG_INTERVAL_NANOS) {
                    lastLog = now;
                    log.warn("node {} is not in the cluster: {} forwarded messages for its subscribers not delivered ({} in all)",
                            node, messages, lost);
                }
                done.complete(null);
                return;
            }
            log.debug("forward to node {} failed ({}), retrying", node, cause.toString());
            vertx.setTimer(RETRY_MILLIS, id -> attempt(node, body, messages, done));
        });
    }

    /** Forward requests sent so far (one per journal batch and target node). */
    public long batches() {
        return batches.get();
    }
}
