package io.oncemq.broker.cluster;

import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.cluster.NodeCalls;
import io.oncemq.cluster.Owners;
import io.oncemq.cluster.Membership;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
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
    /** How long forwards for a dead node wait for a holder of its copy to adopt its sessions. */
    private static final long ADOPTION_WAIT_NANOS = 60_000_000_000L;
    /** Redirects of one batch sent on at once; later ones wait {@link #RETRY_MILLIS} (a session moving back and forth). */
    private static final int HOPS_BEFORE_PAUSE = 3;

    /** The service that takes forwards on every node ({@link ForwardIntake}). */
    public static final String SERVICE = "forward";

    private final NodeCalls calls;
    private final Membership membership;
    private final Owners owners;
    private final Vertx vertx;
    private final AtomicLong givenUp = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private volatile long lastLog;
    private volatile long lastRetryLog;
    private volatile ForwardIntake self;
    private volatile Adoption adoption;
    /**
     * Who held each departed node's copies when it left (its adopter to be is the first live one), by node name; an
     * empty list if nobody, absent ({@code READING}) until the owners map answered.
     */
    private final Map<String, List<String>> heldAtDeparture = new ConcurrentHashMap<>();
    private static final List<String> READING = List.of("?");

    public ForwardSender(NodeCalls calls, Membership membership, Owners owners, Vertx vertx) {
        this.calls = calls;
        this.owners = owners;
        this.membership = membership;
        this.vertx = vertx;
        membership.onLeave(node -> {
            heldAtDeparture.put(node, READING);
            owners.copyHoldersOf(node).whenComplete((holders, e) ->
                    heldAtDeparture.replace(node, READING, e != null ? List.of() : holders.nodes()));
        });
    }

    @Override
    public String lifeOf(String node) {
        return membership.lifeOf(node);
    }

    @Override
    public CompletableFuture<Void> send(String node, String life, List<Forward> batch) {
        byte[] body = ForwardCodec.encode(batch);
        CompletableFuture<Void> done = new CompletableFuture<>();
        batches.incrementAndGet();
        attempt(new Attempt(node, life, body, batch.size(), done, 0), node, 0);
        return done;
    }

    /**
     * One batch meant for {@code node} in its life {@code life} (null: routed while it was not in the cluster): the
     * sessions it was for lived there then. {@code hops}: how many receivers sent it on to where its sessions moved.
     */
    private record Attempt(String node, String life, byte[] body, int messages, CompletableFuture<Void> done, int hops) {
    }

    /**
     * The receiver holds the batch durably, but for sessions that moved on from there: those forwards go to
     * their new nodes, and the batch is done once they are. A session moving back and forth sends them round
     * again; from the third hop on, each waits a moment for the moves to settle.
     */
    private void answered(Attempt a, byte[] answer) {
        List<ForwardCodec.Redirect> redirects;
        try {
            redirects = ForwardCodec.decodeRedirects(answer);
        } catch (RuntimeException e) {
            // a node of another version: the batch is held there durably, what it could not place is not sent on
            log.error("forward answer from a node for node {} not readable ({}); its redirects are not followed", a.node(), e.toString());
            redirects = List.of();
        }
        if (redirects.isEmpty()) {
            a.done().complete(null);
            return;
        }
        CompletableFuture<?>[] all = new CompletableFuture<?>[redirects.size()];
        for (int i = 0; i < all.length; i++) {
            ForwardCodec.Redirect r = redirects.get(i);
            Attempt next = new Attempt(r.node(), membership.lifeOf(r.node()), r.batch(), r.messages(), new CompletableFuture<>(), a.hops() + 1);
            all[i] = next.done();
            if (next.hops() < HOPS_BEFORE_PAUSE) {
                redirected(next);
            } else {
                vertx.setTimer(RETRY_MILLIS, id -> redirected(next));
            }
        }
        CompletableFuture.allOf(all).whenComplete((x, e) -> a.done().complete(null));
    }

    private void redirected(Attempt a) {
        if (a.node().equals(membership.nodeName()) && self != null) {
            takeHere(a);
        } else {
            attempt(a, a.node(), 0);
        }
    }

    /** This node's own intake takes the batch (acknowledged once durable here). */
    private void takeHere(Attempt a) {
        self.handle(calls.caller(), a.body()).whenComplete((answer, ignored) -> answered(a, answer));
    }

    /**
     * Sends to {@code target} what was meant for {@code a.node()}. A node that died after the batch was made
     * had its sessions adopted by a holder of its copy: the batch goes there instead, also if the node is back by now
     * (its sessions are not); the adopter drops repeats.
     */
    private void attempt(Attempt a, String target, long deadline) {
        if (!target.equals(a.node()) || !madeForEarlierLife(a)) {
            call(a, target, deadline);
            return;
        }
        // the node restarted (or died) since the batch was made: its new life would take the batch and drop it when
        // the sessions it was for went to the adopter of the life that ended; a new life takes forwards only once that
        // adoption is announced (or none came), so asking who adopted first decides
        owners.adopterOf(a.node()).whenComplete((adopted, e) -> {
            Owners.Adopter adopter = e == null && adopted != null && adopted.of(lifeEnded(a)) ? adopted : null;
            if (adopter == null && adoptionPending(a.node())) {
                // the holder of its copy adopts it once its leases ran out (Fence#leaseOver): not to its new life meanwhile,
                // which holds none of the sessions the batch was for and would drop it
                long giveUpAt = deadline == 0 ? System.nanoTime() + ADOPTION_WAIT_NANOS : deadline;
                if (System.nanoTime() < giveUpAt) {
                    vertx.setTimer(RETRY_MILLIS, id -> attempt(a, target, giveUpAt));
                    return;
                }
            }
            if (adopter == null || adopter.node().equals(target)) {
                call(a, target, deadline);
            } else if (adopter.node().equals(membership.nodeName()) && self != null) {
                takeHere(a);
            } else {
                call(a, adopter.node(), deadline == 0 ? System.nanoTime() + ADOPTION_WAIT_NANOS : deadline);
            }
        });
    }

    private void call(Attempt a, String target, long deadline) {
        calls.call(target, SERVICE, a.body()).whenComplete((answer, failure) -> {
            if (failure == null) {
                answered(a, answer);
            } else {
                redirect(a, target, deadline, failure);
            }
        });
    }

    /** The batch did not reach {@code target}: to the adopter of its node, again later, or given up. */
    private void redirect(Attempt a, String target, long deadline, Throwable failure) {
        long giveUpAt = deadline == 0 ? System.nanoTime() + ADOPTION_WAIT_NANOS : deadline;
        owners.adopterOf(a.node()).whenComplete((adopted, e) -> {
            if (e != null) {
                log.warn("forward to node {}: cannot read who adopted it ({})", a.node(), e.toString());
            }
            // an adoption of an earlier life of the node holds none of the sessions this batch was made for
            Owners.Adopter adopter = adopted != null && adopted.of(lifeEnded(a)) ? adopted : null;
            boolean earlier = madeForEarlierLife(a) || (adopter != null && notReady(failure));
            Adoption here = adoption;
            CompletableFuture<Void> installing = here == null || adopter != null ? null : here.installing(a.node());
            if (installing != null && earlier && self != null) {
                // this node is adopting it right now: routed here once the sessions are installed (see Adoption#installing)
                installing.whenComplete((v, ignored) -> takeHere(a));
            } else if (adopter != null && earlier && adopter.node().equals(membership.nodeName()) && self != null) {
                // this node adopted it: routed here, acknowledged once durable here (the intake answers
                // without waiting behind the batch that waits for this very forward)
                log.debug("node {} died: {} forwarded messages for it routed here, where its sessions were adopted", a.node(),
                        a.messages());
                takeHere(a);
            } else if (adopter != null && earlier && !adopter.node().equals(target) && membership.isMember(adopter.node())) {
                log.debug("node {} died: {} forwarded messages for it go to node {}, which adopted its sessions", a.node(),
                        a.messages(), adopter.node());
                attempt(a, adopter.node(), giveUpAt);
            } else if (membership.isMember(target) || System.nanoTime() < giveUpAt) {
                // not answered (a lost answer, a node starting up) or not adopted yet: again in a moment
                long now = System.nanoTime();
                if (deadline == 0 && now - lastRetryLog > LOG_INTERVAL_NANOS) {
                    lastRetryLog = now;
                    log.warn("forward of {} messages to node {} (meant for node {}) failed ({}); retrying", a.messages(), target,
                            a.node(), failure.toString());
                }
                vertx.setTimer(RETRY_MILLIS, id -> attempt(a, target, giveUpAt));
            } else {
                long lost = givenUp.addAndGet(a.messages());
                long now = System.nanoTime();
                if (now - lastLog > LOG_INTERVAL_NANOS) {
                    lastLog = now;
                    log.error("node {} left and nobody adopted its sessions: {} forwarded messages for them not delivered ({} in all)",
                            a.node(), a.messages(), lost);
                }
                a.done().complete(null);
            }
        });
    }

    /** Forwards redirected to this node itself go straight to its intake; those for a node it is adopting, once installed. */
    void deliverLocallyTo(ForwardIntake intake, Adoption adoption) {
        self = intake;
        this.adoption = adoption;
    }

    /** Whether a live node held {@code node}'s copy when it last left here (or the owners map has not said yet). */
    private boolean adoptionPending(String node) {
        List<String> holders = heldAtDeparture.get(node);
        return holders == READING || (holders != null && holders.stream().anyMatch(h -> !h.equals(node) && membership.isMember(h)));
    }

    /** The batch's node is dead, or restarted since the batch was routed: the sessions it was for are not there. */
    private boolean madeForEarlierLife(Attempt a) {
        return a.life() == null || !a.life().equals(membership.lifeOf(a.node()));
    }

    /** The life of the batch's node whose sessions it was for, once that life ended: routed while the node was gone, its last. */
    private String lifeEnded(Attempt a) {
        return a.life() != null ? a.life() : membership.departedLife(a.node());
    }

    /**
     * The node is starting again and takes no forwards yet: it holds none of the sessions it had (they were
     * adopted), so what was routed to it goes to its adopter.
     */
    private static boolean notReady(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof IllegalStateException && String.valueOf(t.getMessage()).contains("not ready")) {
                return true;
            }
        }
        return false;
    }

    /** Forward requests sent so far (one per journal batch and target node). */
    public long batches() {
        return batches.get();
    }
}
