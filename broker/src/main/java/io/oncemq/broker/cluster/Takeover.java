package io.oncemq.broker.cluster;

import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.session.SessionRegistry;
import io.oncemq.broker.trace.MessageTrace;
import io.oncemq.cluster.Membership;
import io.oncemq.cluster.NodeCalls;
import io.oncemq.cluster.Owners;
import io.oncemq.journal.Record;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
    static final byte[] NOTHING = new byte[0];
    /** How long a session that moved away stays subscribed here to relay late messages (route tables settle in ms). */
    static final long RELAY_MILLIS = 10_000;
    /** Marks a session whose connection was closed for a hand-over: a late detach of that connection leaves it alone. */
    private static final Object HANDED_OVER = new Object();

    private final Membership membership;
    private final Owners owners;
    private final NodeCalls calls;
    private final SessionRegistry sessions;
    private final PostOffice postOffice;
    private final SessionInstall installer;
    private final Vertx vertx;
    private final Consumer<Object> closeConnection;
    private final Map<String, Future<Void>> claiming = new ConcurrentHashMap<>();
    /**
     * The connection's claim running here (in the owners map, or fetching the session), by client id: the epoch it
     * gets (-1: none) and its end. Claims queued behind it are not in it: they have no epoch yet.
     */
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    /** Sessions an adoption is installing here, by client id. */
    private final Map<String, Future<Void>> installing = new ConcurrentHashMap<>();
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
        this.installer = new SessionInstall(sessions, postOffice, intake);
        this.vertx = vertx;
        this.closeConnection = closeConnection;
    }

    /**
     * Makes this node the client id's owner; completes on {@code loop} once any session another node served
     * for it is here (journaled on this node), or fails with {@link Unavailable} when it cannot be brought here.
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

    /** The claim of the client id under way here (a connection's, or an adoption's install), or null. */
    Future<Void> claimUnderWay(String clientId) {
        return claiming.get(clientId);
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
        Promise<Long> epoch = Promise.promise();
        Running here = new Running(epoch.future(), done.future());
        running.put(clientId, here);
        done.future().onComplete(ar -> running.remove(clientId, here));
        if (MessageTrace.ON) {
            MessageTrace.step("client {}: claiming the client id in the owners map", clientId);
        }
        owners.claim(clientId).whenComplete((claim, failure) -> loop.context().runOnContext(v -> {
            if (MessageTrace.ON) {
                MessageTrace.step("client {}: claimed ({})", clientId, failure == null ? "was " + claim.previous() + ", epoch " + claim.epoch() : failure);
            }
            epoch.complete(failure == null ? claim.epoch() : -1L);
            if (failure != null) {
                done.fail(new Unavailable("cannot claim the client id in the cluster (" + failure + ")"));
                return;
            }
            String previous = claim.previous();
            Moving moving = new Moving(clientId, previous, claim.epoch(), loop, done);
            if (previous == null || previous.equals(membership.nodeName())) {
                moving.epochHere();
                afterInstall(clientId, loop, done);
            } else if (membership.isMember(previous)) {
                log.info("client {}: was served by node {}; taking its session over", clientId, previous);
                fetch(moving, previous, System.nanoTime() + ADOPTION_WAIT_NANOS);
            } else {
                // dead, maybe not yet noticed here: a holder of its copy adopts (or adopted) its sessions; that node hands this one on
                log.info("client {}: was served by node {}, which is gone; taking its session over from its copy", clientId, previous);
                fetchFromAdopter(moving, previous, System.nanoTime() + ADOPTION_WAIT_NANOS);
            }
        }));
    }

    /** A connection's claim of a client id another node served: where the session comes from, and the epoch here. */
    private final class Moving {
        final String clientId;
        final String previous;
        final long epoch;
        final JournalBatcher loop;
        final Promise<Void> done;

        Moving(String clientId, String previous, long epoch, JournalBatcher loop, Promise<Void> done) {
            this.clientId = clientId;
            this.previous = previous;
            this.epoch = epoch;
            this.loop = loop;
            this.done = done;
        }

        /** E5: the new epoch is journaled with the session it comes with, before CONNACK; only by a node that serves it. */
        void epochHere() {
            if (!membership.nodeName().equals(previous)) {
                loop.record(new Record.SessionEpoch(clientId, epoch));
            }
        }

        void arrived(byte[] transfer, String from) {
            if (transfer.length == 0) {
                // nothing came: either the session is new, or a later claim elsewhere superseded this one and the
                // session stays where it is; only the owner at this claim's epoch may serve it (E4)
                owners.ownerOf(clientId).whenComplete((owner, e) -> loop.context().runOnContext(v -> {
                    if (e == null && membership.nodeName().equals(owner.node()) && owner.epoch() == epoch) {
                        epochHere();
                        done.complete();
                    } else {
                        done.fail(new Unavailable(e != null ? "cannot read the owner of the client id (" + e + ")"
                                : "a later connection on node " + owner.node() + " took the client id over"));
                    }
                }));
                return;
            }
            epochHere();
            received(clientId, transfer, from, loop, done);
        }

        /**
         * The session could not be fetched: the connection is refused (server unavailable) rather than served
         * without it, which would lose its queue and deliver its in-flight messages again; the client id goes
         * back to the node that had it, so that its adopter (or that node) keeps it and a later CONNECT finds it.
         */
        void giveUp(String why) {
            owners.giveBack(clientId, previous, epoch).whenComplete((x, e) -> loop.context().runOnContext(v ->
                    done.fail(new Unavailable(why))));
        }
    }

    /** The node that served the client id died: its copy is adopted by a holder, which hands the session on. */
    private void fetchFromAdopter(Moving m, String dead, long deadline) {
        // only an adoption of its last life holds the session: an earlier one's adopter would answer with nothing
        owners.adopterOf(dead).thenApply(a -> a != null && a.of(membership.departedLife(dead)) ? a.node() : null)
                .thenCombine(owners.copyHoldersOf(dead), (adopter, holders) -> new String[]{adopter, membership.firstMember(holders.nodes())})
                .whenComplete((found, failure) -> m.loop.context().runOnContext(v -> {
            String adopter = failure == null ? found[0] : null;
            String holder = failure == null ? found[1] : null; // the first live one: the adopter to be
            if (membership.nodeName().equals(adopter)) {
                // the adoption installed every session of the copy here, this one too, and forwards for the dead node
                // have reached it since: a second install from the copy would replace it with an older state
                m.epochHere();
                afterInstall(m.clientId, m.loop, m.done);
            } else if (adopter != null && membership.isMember(adopter)) {
                fetch(m, adopter, System.nanoTime() + ADOPTION_WAIT_NANOS);
            } else if (failure == null && holder == null) {
                // its copies died with it (or it never had one): the session is on its journal alone, until it restarts
                m.giveUp("node " + dead + " died and no live node holds a copy of its sessions");
            } else if (System.nanoTime() < deadline) {
                vertx.setTimer(200, id -> fetchFromAdopter(m, dead, deadline));
            } else {
                m.giveUp("node " + dead + " died and node " + holder + ", which holds its copy, did not adopt it within "
                        + ADOPTION_WAIT_NANOS / 1_000_000_000L + " s");
            }
        }));
    }

    /** The client id's session could not be brought here: its connection is refused with Server unavailable. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String why) {
            super(why, null, false, false);
        }
    }

    private void fetch(Moving m, String from, long deadline) {
        calls.call(from, SERVICE, request(m.clientId, m.epoch), HANDOVER_TIMEOUT_SECONDS).whenComplete((bytes, failure) ->
                m.loop.context().runOnContext(v -> {
                    if (failure == null) {
                        m.arrived(bytes, from);
                    } else if (!membership.isMember(from)) {
                        // it died while asked: a holder of its copy adopts what it held, the session with it
                        fetchFromAdopter(m, from, System.nanoTime() + ADOPTION_WAIT_NANOS);
                    } else if (System.nanoTime() < deadline) {
                        // still starting (its services not up yet), or slow: ask again rather than serve a second copy
                        vertx.setTimer(200, id -> fetch(m, from, deadline));
                    } else {
                        m.giveUp("node " + from + " did not hand the session over (" + failure + ")");
                    }
                }));
    }

    private static byte[] request(String clientId, long epoch) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(id.length + Long.BYTES).put(id).putLong(epoch).array();
    }

    /** Installs a session in its wire form (empty: nothing to install). */
    void received(String clientId, byte[] transfer, String from, JournalBatcher loop, Promise<Void> done) {
        if (transfer.length == 0) {
            done.complete();
        } else {
            installer.install(clientId, SessionTransfer.decode(transfer, calls.caller(), postOffice::nextMessageId), from, loop, done);
        }
    }

    /** Another node claimed a client id this node serves: close its connection and hand the session over. */
    @Override
    public CompletableFuture<byte[]> handle(String caller, byte[] request) {
        int sep = request.length - Long.BYTES;
        String clientId = new String(request, 0, sep, StandardCharsets.UTF_8);
        long askerEpoch = ByteBuffer.wrap(request, sep, Long.BYTES).getLong();
        String to = caller.substring(0, caller.lastIndexOf('/'));
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        Runnable handOver = () -> {
            Session s = sessions.get(clientId);
            if (s == null || s.movedTo() != null) {
                // not here (any more): an adoption installs every session of its copy before it is announced, so a
                // dead node's copy here holds nothing newer than what was installed, and perhaps something older
                answer.complete(NOTHING);
            } else {
                s.run(() -> handOver(s, to, answer));
            }
        };
        Running ours = running.get(clientId);
        Future<Void> install = installing.get(clientId);
        if (ours != null) {
            ours.epoch().onComplete(e -> {
                if (e.result() > askerEpoch) {
                    // two connections raced (E4): this node's claim came later in the owners map and asks the asker's
                    // node, whose claim asks this one; the later claim wins and the session stays where it is
                    answer.complete(NOTHING);
                } else {
                    // this node's own earlier claim of the id ends first; not a claim queued behind it, which has no
                    // epoch yet and would ask the asker, which waits for this answer (a wait until the call timed out)
                    ours.done().onComplete(ar -> handOver.run());
                }
            });
        } else if (install != null) {
            install.onComplete(ar -> handOver.run()); // an adoption installing it here ends first
        } else {
            handOver.run();
        }
        return answer;
    }

    /** A connection's claim running here: the epoch it gets in the owners map, and its end. */
    private record Running(Future<Long> epoch, Future<Void> done) {
    }

    private void handOver(Session s, String to, CompletableFuture<byte[]> answer) {
        if (s.ended() || s.movedTo() != null) {
            answer.complete(NOTHING);
            return;
        }
        Object old = s.connection();
        s.connection(HANDED_OVER);
        if (old != null) {
            closeConnection.accept(old); // E4: the old connection closes first (0x8E); a mark from an earlier hand-over has none
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
