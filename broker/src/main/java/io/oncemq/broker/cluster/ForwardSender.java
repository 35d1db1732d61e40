package io.oncemq.broker.cluster;

import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.cluster.NodeCalls;
import io.oncemq.cluster.Owners;
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
 * retry after a lost answer is harmless. The batches of a node that died go to the node that adopted its
 * sessions; only if nobody does within a minute are they given up, with one error line.
 */
public final class ForwardSender implements JournalBatcher.Forwarding {

    private static final Logger log = LoggerFactory.getLogger(ForwardSender.class);
    private static final long RETRY_MILLIS = 200;
    private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;
    /** How long forwards for a dead node wait for its buddy to adopt its sessions. */
    private static final long ADOPTION_WAIT_NANOS = 60_000_000_000L;

    /** The service that takes forwards on every node ({@link ForwardIntake}). */
    public static final String SERVICE = "forward";

    private final NodeCalls calls;
    private final Membership membership;
    private final Owners owners;
    private final Vertx vertx;
    private final AtomicLong givenUp = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private volatile long lastLog;

    public ForwardSender(NodeCalls calls, Membership membership, Owners owners, Vertx vertx) {
        this.calls = calls;
        this.owners = owners;
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
        attempt(node, node, body, messages, done, 0);
    }

    /**
     * Sends to {@code target} what was meant for {@code node}. If {@code node} died, its buddy adopts its
     * sessions (and the forwards they accepted): the batch goes there instead, and repeats are dropped there.
     */
    private void attempt(String node, String target, byte[] body, int messages, CompletableFuture<Void> done, long deadline) {
        calls.call(target, SERVICE, body).whenComplete((ok, failure) -> {
            if (failure == null) {
                done.complete(null);
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (!(cause instanceof NodeCalls.NodeAbsent) && membership.isMember(target)) {
                log.debug("forward to node {} failed ({}), retrying", target, cause.toString());
                vertx.setTimer(RETRY_MILLIS, id -> attempt(node, target, body, messages, done, deadline));
                return;
            }
            long giveUpAt = deadline == 0 ? System.nanoTime() + ADOPTION_WAIT_NANOS : deadline;
            owners.adopterOf(node).whenComplete((adopter, e) -> {
                if (adopter != null && !adopter.equals(target) && membership.isMember(adopter)) {
                    // also if the node is back: the sessions it had live on at the adopter now
                    log.info("node {} is gone: {} forwarded messages for it go to node {}, which adopted its sessions", node, messages, adopter);
                    attempt(node, adopter, body, messages, done, giveUpAt);
                } else if (System.nanoTime() < giveUpAt) {
                    vertx.setTimer(RETRY_MILLIS, id -> attempt(node, target, body, messages, done, giveUpAt));
                } else {
                    long lost = givenUp.addAndGet(messages);
                    long now = System.nanoTime();
                    if (now - lastLog > LOG_INTERVAL_NANOS) {
                        lastLog = now;
                        log.error("node {} left and nobody adopted its sessions: {} forwarded messages for them not delivered ({} in all)",
                                node, messages, lost);
                    }
                    done.complete(null);
                }
            });
        });
    }

    /** Forward requests sent so far (one per journal batch and target node). */
    public long batches() {
        return batches.get();
    }
}
