package io.oncemq.broker.cluster;

import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.qos.OutboundFlow.Delivery;
import io.oncemq.broker.qos.OutboundFlow.Sent;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.session.SessionRegistry;
import io.oncemq.cluster.Membership;
import io.oncemq.cluster.NodeCalls;
import io.oncemq.cluster.Owners;
import io.oncemq.journal.Record;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * One owner per client id across the cluster (E4). A connection for a client id claims it in the owners
 * map; the node that served it before closes its connection (MQTT 5 reason 0x8E) and hands the kept
 * session over, packet ids and states included, before the new node sends CONNACK. For a short while
 * after, the old node relays messages still routed to the session there.
 */
public final class Takeover implements NodeCalls.Service {

    private static final Logger log = LoggerFactory.getLogger(Takeover.class);
    public static final String SERVICE = "handover";
    private static final byte[] NOTHING = new byte[0];
    /** How long a session that moved away stays subscribed here to relay late messages (route tables settle in ms). */
    private static final long RELAY_MILLIS = 10_000;
    /** Marks a session whose connection was closed for a hand-over: a late detach of that connection leaves it alone. */
    private static final Object HANDED_OVER = new Object();

    private final Membership membership;
    private final Owners owners;
    private final NodeCalls calls;
    private final SessionRegistry sessions;
    private final PostOffice postOffice;
    private final ForwardIntake intake;
    private final Vertx vertx;
    private final Consumer<Object> closeConnection;
    private final Map<String, Future<Void>> claiming = new ConcurrentHashMap<>();
    /** Sessions an adoption is installing here, by client id. */
    private final Map<String, Future<Void>> installing = new ConcurrentHashMap<>();
    private volatile Adoption adoption;
    /** How long a connection for a dead node's client waits for that node's sessions to be adopted. */
    private static final long ADOPTION_WAIT_NANOS = 30_000_000_000L;
    /** A hand-over waits for the session's pending batches, which may wait for a dead node's adoption. */
    private static final long HANDOVER_TIMEOUT_SECONDS = 60;

    public Takeover(Membership membership, Owners owners, NodeCalls calls, SessionRegistry sessions, PostOffice postOffice,
                    ForwardIntake intake, Vertx vertx, Consumer<Object> closeConnection) {
        this.membership = membership;
        this.owners = owners;
        this.calls = calls;
        this.sessions = sessions;
        this.postOffice = postOffice;
        this.intake = intake;
        this.vertx = vertx;
        this.closeConnection = closeConnection;
    }

    /**
     * Makes this node the client id's owner; completes on {@code loop} once any session another node served
     * for it is here (journaled on this node). A node that does not answer is passed over with one log line.
     */
    public Future<Void> claim(String clientId, JournalBatcher loop) {
        Promise<Void> done = Promise.promise();
        Future<Void> before = claiming.put(clientId, done.future());
        done.future().onComplete(ar -> claiming.remove(clientId, done.future()));
        if (before == null) {
            claimNow(clientId, loop, done);
        } else {
            // an adoption (or an earlier connection) is installing the session here: it goes first
            before.onComplete(ar -> loop.context().runOnContext(v -> claimNow(clientId, loop, done)));
        }
        return done.future();
    }

    /**
     * An adoption is about to install the client id's session here: connections for it wait for the install
     * instead of starting afresh. Complete the promise once installed.
     */
    Promise<Void> reserve(String clientId) {
        Promise<Void> installed = Promise.promise();
        installing.put(clientId, installed.future());
        installed.future().onComplete(ar -> installing.remove(clientId, installed.future()));
        if (claiming.putIfAbsent(clientId, installed.future()) == null) {
            installed.future().onComplete(ar -> claiming.remove(clientId, installed.future()));
        }
        return installed;
    }

    /**
     * This node owns the client id: done once an adoption installing its session here has finished. A claim
     * under way when the adoption began may read this node as owner (the adoption took the id) before the
     * session is here; attaching then would start an empty session and lose the adopted one.
     */
    private void afterInstall(String clientId, JournalBatcher loop, Promise<Void> done) {
        Future<Void> pending = installing.get(clientId);
        if (pending == null) {
            done.complete();
        } else {
            pending.onComplete(ar -> loop.context().runOnContext(v -> done.complete()));
        }
    }

    private void claimNow(String clientId, JournalBatcher loop, Promise<Void> done) {
        owners.claim(clientId).whenComplete((claim, failure) -> loop.context().runOnContext(v -> {
            String previous = failure == null ? claim.previous() : null;
            if (failure == null && !membership.nodeName().equals(previous)) {
                // E5: journaled before CONNACK, with the session it comes with
                loop.record(new Record.SessionEpoch(clientId, claim.epoch()));
            }
            if (failure != null) {
                log.warn("client {}: cannot claim the client id in the cluster ({}); serving it here", clientId, failure.toString());
                done.complete();
            } else if (previous == null || previous.equals(membership.nodeName())) {
                afterInstall(clientId, loop, done);
            } else if (membership.isMember(previous)) {
                log.info("client {}: was served by node {}; taking its session over", clientId, previous);
                fetch(clientId, previous, loop, done);
            } else {
                // dead, maybe not yet noticed here: its buddy adopts (or adopted) its sessions; that node hands this one on
                log.info("client {}: was served by node {}, which is gone; taking its session over from its copy", clientId, previous);
                fetchFromAdopter(clientId, previous, loop, done, System.nanoTime() + ADOPTION_WAIT_NANOS);
            }
        }));
    }

    /** The node that served the client id died: its copy is adopted by its buddy, which hands the session on. */
    private void fetchFromAdopter(String clientId, String dead, JournalBatcher loop, Promise<Void> done, long deadline) {
        // only an adoption of its last life holds the session: an earlier one's adopter would answer with nothing
        owners.adopterOf(dead).thenApply(a -> a != null && a.of(membership.departedLife(dead)) ? a.node() : null)
                .whenComplete((adopter, failure) -> loop.context().runOnContext(v -> {
            if (membership.nodeName().equals(adopter)) {
                adoption.handOverFromCopy(clientId).whenComplete((bytes, e) -> loop.context().runOnContext(x ->
                        received(clientId, e == null ? bytes : NOTHING, dead, loop, done))); // the copy is here
            } else if (adopter != null && membership.isMember(adopter)) {
                fetch(clientId, adopter, loop, done);
            } else if (System.nanoTime() < deadline) {
                vertx.setTimer(200, id -> fetchFromAdopter(clientId, dead, loop, done, deadline));
            } else {
                log.warn("client {}: node {} died and nobody adopted its sessions; starting without it", clientId, dead);
                done.complete();
            }
        }));
    }

    /** Another node's copies: sessions of dead nodes are handed over from them. */
    public void copiesFrom(Adoption adoption) {
        this.adoption = adoption;
    }

    private void fetch(String clientId, String from, JournalBatcher loop, Promise<Void> done) {
        fetch(clientId, from, loop, done, System.nanoTime() + ADOPTION_WAIT_NANOS);
    }

    private void fetch(String clientId, String from, JournalBatcher loop, Promise<Void> done, long deadline) {
        calls.call(from, SERVICE, clientId.getBytes(StandardCharsets.UTF_8), HANDOVER_TIMEOUT_SECONDS).whenComplete((bytes, failure) ->
                loop.context().runOnContext(v -> {
                    if (failure == null) {
                        received(clientId, bytes, from, loop, done);
                    } else if (!membership.isMember(from)) {
                        // it died while asked: its buddy adopts what it held, the session with it
                        fetchFromAdopter(clientId, from, loop, done, System.nanoTime() + ADOPTION_WAIT_NANOS);
                    } else if (System.nanoTime() < deadline) {
                        // still starting (its services not up yet), or slow: ask again rather than serve a second copy
                        vertx.setTimer(200, id -> fetch(clientId, from, loop, done, deadline));
                    } else {
                        log.warn("client {}: node {} did not hand the session over ({}); starting without it", clientId, from,
                                failure.toString());
                        done.complete();
                    }
                }));
    }

    /** Installs a session in its wire form (empty: nothing to install). */
    void received(String clientId, byte[] transfer, String from, JournalBatcher loop, Promise<Void> done) {
        if (transfer.length == 0) {
            done.complete();
        } else {
            install(clientId, SessionTransfer.decode(transfer, calls.caller(), postOffice::nextMessageId), from, loop, done);
        }
    }

    /** Installs a session handed over by {@code from} on {@code loop}, journaled (and copied) before {@code done}. */
    private void install(String clientId, SessionTransfer t, String from, JournalBatcher loop, Promise<Void> done) {
        Session stale = sessions.get(clientId);
        if (stale != null) {
            stale.run(() -> sessions.retire(stale)); // a session that moved away earlier and is only relaying
        }
        Session s = sessions.restore(clientId, loop);
        s.persistence(true, t.expirySeconds());
        s.outbound().watchForReturningRelays(System.nanoTime() + 2 * RELAY_MILLIS * 1_000_000L);
        loop.record(new Record.SessionOpened(clientId, t.expirySeconds()));
        List<Delivery> held = new ArrayList<>(t.queue());
        for (Sent f : t.inflight()) {
            store(loop, clientId, f.delivery());
            loop.record(new Record.Sent(clientId, f.packetId(), f.delivery().message().id()));
            if (f.pubrecReceived()) {
                loop.record(new Record.PubrecReceived(clientId, f.packetId()));
            }
            s.outbound().restoreInflight(f.packetId(), f.delivery(), f.pubrecReceived());
            held.add(f.delivery());
        }
        for (Delivery d : t.queue()) {
            store(loop, clientId, d);
            s.outbound().restoreQueued(d);
        }
        t.receipts().forEach((packetId, id) -> {
            // a handed-over receipt is routed already: only its packet id matters (E1), the body is never read
            loop.record(new Record.MessageStored(id, "", 0, false, NOTHING, NOTHING));
            loop.record(new Record.ReceiptHeld(clientId, packetId, id));
            loop.record(new Record.Routed(id));
            s.inbound().hold(packetId, id);
        });
        intake.holding(clientId, held, () -> t.subscriptions().forEach((filter, sub) -> {
            s.subscriptions().put(filter, sub);
            postOffice.subscribe(s, filter, sub);
            loop.record(new Record.Subscribed(clientId, filter, sub.options(), sub.identifier()));
        }));
        loop.whenDone(() -> {
            loop.counters().sessionTakenFromNode();
            log.info("client {}: session taken over from node {} ({} queued, {} in flight, {} receipts)", clientId, from,
                    t.queue().size(), t.inflight().size(), t.receipts().size());
            done.complete();
        });
    }

    private static void store(JournalBatcher loop, String clientId, Delivery d) {
        Message m = d.message();
        loop.record(m.toRecord());
        loop.record(new Record.Enqueued(clientId, m.id(), d.journaledQos()));
        if (m.origin() != null) {
            loop.record(new Record.ForwardAccepted(m.origin(), m.originId(), m.id()));
        }
    }

    /** Another node claimed a client id this node serves: close its connection and hand the session over. */
    @Override
    public CompletableFuture<byte[]> handle(String caller, byte[] request) {
        String clientId = new String(request, StandardCharsets.UTF_8);
        String to = caller.substring(0, caller.lastIndexOf('/'));
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        Runnable handOver = () -> {
            Session s = sessions.get(clientId);
            if (s == null || s.movedTo() != null) {
                Adoption a = adoption;
                if (a == null) {
                    answer.complete(NOTHING);
                } else {
                    a.handOverFromCopy(clientId).whenComplete((bytes, e) -> answer.complete(e == null ? bytes : NOTHING));
                }
            } else {
                s.run(() -> handOver(s, to, answer));
            }
        };
        Future<Void> pending = claiming.get(clientId);
        if (pending != null) {
            pending.onComplete(ar -> handOver.run()); // this node's own claim of the id ends first
        } else {
            handOver.run();
        }
        return answer;
    }

    private void handOver(Session s, String to, CompletableFuture<byte[]> answer) {
        if (s.ended() || s.movedTo() != null) {
            answer.complete(NOTHING);
            return;
        }
        Object old = s.connection();
        s.connection(HANDED_OVER);
        if (old != null) {
            closeConnection.accept(old); // E4: the old connection closes first (0x8E)
        }
        s.outlet(null);
        s.cancelPendingWill();
        if (s.expiryTimer() >= 0) {
            vertx.cancelTimer(s.expiryTimer());
            s.expiryTimer(-1);
        }
        s.loop().then(() -> s.run(() -> {
            if (!s.persistent()) {
                sessions.end(s); // a clean session ends with its connection: nothing to hand over
                answer.complete(NOTHING);
                return;
            }
            byte[] transfer = SessionTransfer.of(s).encode(calls.caller());
            s.movedTo(to);
            s.loop().record(new Record.SessionEnded(s.clientId()));
            s.persistence(false, 0);
            s.outbound().clear();
            s.inbound().clear();
            vertx.setTimer(RELAY_MILLIS, id -> s.run(() -> sessions.retire(s)));
            log.info("client {}: session handed over to node {}", s.clientId(), to);
            answer.complete(transfer);
        }));
    }
}
