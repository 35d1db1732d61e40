package io.oncemq.broker.cluster;

import io.oncemq.broker.fault.FaultPoint;
import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.session.SessionRegistry;
import io.oncemq.broker.session.WillMessage;
import io.oncemq.broker.trace.MessageTrace;
import io.oncemq.cluster.Membership;
import io.oncemq.cluster.Owners;
import io.oncemq.cluster.RouteTable;
import io.oncemq.journal.JournalState;
import io.oncemq.journal.Record;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a dead node held lives on here, on the first live holder of its copies (failover): its kept sessions whose client id nobody
 * claimed meanwhile are installed here from the copy, with queues, packet ids and receipts; receipts it had
 * not finished routing are routed once (E1, E3: receivers drop repeats); its clients' wills are published.
 * Sessions that a client already resumed on another node are handed to that node from the copy.
 */
public final class Adoption {

    private static final Logger log = LoggerFactory.getLogger(Adoption.class);
    /** How long a dead node's routes stay after its adoption (see {@link #install}). */
    private static final long ROUTES_KEPT_MILLIS = 120_000;

    private final Replicas replicas;
    private final Membership membership;
    private final Owners owners;
    private final RouteTable routeTable;
    private final SessionRegistry sessions;
    private final PostOffice postOffice;
    private final ForwardIntake intake;
    private final Takeover takeover;
    private final GroupReRoute groups;
    private final JournalBatcher home;
    private final Vertx vertx;
    /** How often a holder that is not first checks whether the adoption it waits for is announced, or fell to it. */
    private static final long STANDBY_CHECK_MILLIS = 1_000;
    /** How long an adoption waits for those of dead holders ahead of this node. */
    private static final long AHEAD_WAIT_NANOS = 30_000_000_000L;
    /** {@link #take}: not installed here. */
    private static final long MOVED_ON = -2;
    /** Dead nodes being adopted here, until the adoption is announced. */
    private final Map<String, CompletableFuture<Void>> installing = new ConcurrentHashMap<>();
    /** Copies of dead nodes kept here while a holder listed before this node adopts them. */
    private final Map<String, Standby> standing = new ConcurrentHashMap<>();
    /** The life of each node whose leave was handled here (its leases ran out), by name; "" when unknown. */
    private final Map<String, String> gone = new ConcurrentHashMap<>();

    public Adoption(Replicas replicas, Membership membership, Owners owners, RouteTable routeTable, SessionRegistry sessions, PostOffice postOffice,
                    ForwardIntake intake, Takeover takeover, GroupReRoute groups, JournalBatcher home, Vertx vertx) {
        this.replicas = replicas;
        this.membership = membership;
        this.owners = owners;
        this.routeTable = routeTable;
        this.sessions = sessions;
        this.postOffice = postOffice;
        this.intake = intake;
        this.takeover = takeover;
        this.groups = groups;
        this.home = home;
        this.vertx = vertx;
    }

    /**
     * A node left the cluster: adopt what its copy holds, if this node keeps a current one and is the first live node
     * among its holders; a later holder keeps its copy until that adoption is announced, and adopts in its stead if
     * every holder before it leaves first (a double failure). {@code life}: the life that ended (a restart under its
     * name is another); {@code r}: the copy of it here when it left, or null.
     */
    void nodeLeft(String node, String life, Replicas.Replica r) {
        gone.put(node, life == null ? "" : life);
        standing.keySet().forEach(n -> reconsider(n, false)); // the node may have been the adopter-to-be of another's copy
        if (r == null) {
            log.info("node {} left: no copy of it here", node);
            return;
        }
        vertx.executeBlocking(() -> {
            Owners.CopyHolders holders = owners.copyHolders(node);
            if (!holders.nodes().contains(membership.nodeName())) {
                log.info("node {} left: its current copies are on {}, not here", node, holders.nodes());
                replicas.forget(node, r); // an older copy: the node moved on to other holders since
                return null;
            }
            String first = adopterToBe(holders);
            if (!membership.nodeName().equals(first)) {
                log.info("node {} left: node {} adopts it; this node keeps its copy until that adoption is announced", node, first);
                standing.put(node, new Standby(life, r, holders));
                vertx.setTimer(STANDBY_CHECK_MILLIS, id -> reconsider(node, true));
                return null;
            }
            return holders;
        }, false).onSuccess(holders -> {
            if (holders != null) {
                adoptAfter(node, life, r, holders, System.nanoTime() + AHEAD_WAIT_NANOS);
            }
        }).onFailure(t -> log.error("node {} left: deciding who adopts it failed", node, t));
    }

    /** A copy kept for a dead node whose earlier holder adopts it: released once announced, adopted here if that holder died. */
    private record Standby(String life, Replicas.Replica copy, Owners.CopyHolders holders) {
    }

    /**
     * The holder that adopts a node's copy: the first that is this node, a member, or gone without its own leave
     * handled here yet (its leases may still hold: it could be serving, cut off from this node only).
     */
    private String adopterToBe(Owners.CopyHolders holders) {
        for (String h : holders.nodes()) {
            if (h.equals(membership.nodeName()) || membership.isMember(h) || !leaveHandled(h)) {
                return h;
            }
        }
        return null;
    }

    /** Whether the last life of the node that ended (as seen here) went through {@link #nodeLeft} here, or none was seen. */
    private boolean leaveHandled(String node) {
        String handled = gone.get(node);
        String ended = membership.departedLife(node);
        return ended == null || "".equals(handled) || ended.equals(handled);
    }

    /** {@code polling}: called by the standby's own timer, which it re-arms (a leave only adds a check). */
    private void reconsider(String node, boolean polling) {
        Standby s = standing.get(node);
        if (s == null) {
            return;
        }
        vertx.executeBlocking(() -> {
            if (!s.holders().equals(owners.copyHolders(node))) {
                log.info("node {} left: its copy kept here is released (adopted elsewhere, or the node copies to others now)", node);
                standing.remove(node, s);
                replicas.forget(node, s.copy());
                return false;
            }
            return membership.nodeName().equals(adopterToBe(s.holders())) && standing.remove(node, s);
        }, false).onComplete(ar -> {
            if (ar.succeeded() && ar.result()) {
                log.warn("node {} left and node(s) {}, which held its copy before this node, left too: adopting it here", node,
                        ahead(s.holders()));
                adoptAfter(node, s.life(), s.copy(), s.holders(), System.nanoTime() + AHEAD_WAIT_NANOS);
            } else if (polling && standing.get(node) == s) {
                vertx.setTimer(STANDBY_CHECK_MILLIS, id -> reconsider(node, true));
            }
        });
    }

    /** The holders listed before this node: when it adopts, all of them have left. */
    private List<String> ahead(Owners.CopyHolders holders) {
        int self = holders.nodes().indexOf(membership.nodeName());
        return self < 0 ? List.of() : holders.nodes().subList(0, self);
    }

    /**
     * Adopts once every holder ahead of this node that died has been adopted in turn (or none of its own holders
     * lives): one of them may have taken client ids of the node and made some durable before it died, and its own
     * adopter then holds those (newer) sessions; what it took and did not make durable is taken from it here.
     */
    private void adoptAfter(String node, String life, Replicas.Replica r, Owners.CopyHolders holders, long deadline) {
        List<String> ahead = ahead(holders);
        if (ahead.isEmpty()) {
            adopt(node, life, r, holders);
            return;
        }
        vertx.executeBlocking(() -> {
            Map<String, Owners.CopyHolders> theirs = new HashMap<>();
            ahead.forEach(a -> theirs.put(a, owners.copyHolders(a)));
            return theirs;
        }, false).onSuccess(theirs -> awaitAdoptions(node, life, r, holders, theirs, deadline));
    }

    /** Adopts once the copy-holders entry of each dead holder ahead changed (its adoption announced) or names no live node. */
    private void awaitAdoptions(String node, String life, Replicas.Replica r, Owners.CopyHolders holders,
                                Map<String, Owners.CopyHolders> theirs, long deadline) {
        List<String> ahead = ahead(holders);
        vertx.executeBlocking(() -> ahead.stream().allMatch(a -> !theirs.get(a).equals(owners.copyHolders(a))
                || membership.firstMember(theirs.get(a).nodes()) == null), false).onComplete(ar -> {
            if (ar.succeeded() && ar.result()) {
                adopt(node, life, r, holders);
            } else if (System.nanoTime() > deadline) {
                log.warn("node {} left: the adoptions of node(s) {} were not announced within {} s; adopting it now", node, ahead,
                        AHEAD_WAIT_NANOS / 1_000_000_000L);
                adopt(node, life, r, holders);
            } else {
                vertx.setTimer(STANDBY_CHECK_MILLIS / 5, id -> awaitAdoptions(node, life, r, holders, theirs, deadline));
            }
        });
    }

    private void adopt(String node, String life, Replicas.Replica r, Owners.CopyHolders holders) {
        List<String> ahead = ahead(holders);
        CompletableFuture<Void> adopting = new CompletableFuture<>();
        vertx.<Taken>executeBlocking(() -> {
            // only now: forwards for the node wait for this install and are then routed here (ForwardSender); a
            // node that does not adopt would route them to none of its sessions
            installing.put(node, adopting);
            List<String> clientIds = replicas.locked(() -> List.copyOf(r.state.sessions().keySet()));
            // every session of the copy is installed here, so that forwards sent on to this node find it; a
            // client that resumed on another node meanwhile gets its session from here by a normal hand-over
            List<Reserved> mine = new ArrayList<>();
            for (String clientId : clientIds) {
                // reserved first: a connection for it here waits for the install instead of starting afresh
                Promise<Void> installed = takeover.reserve(clientId);
                long epoch = -1;
                try {
                    epoch = take(clientId, node, ahead, replicas.locked(() -> r.state.epoch(clientId)));
                } catch (RuntimeException e) {
                    log.warn("client {}: cannot take it over from node {} in the owners map ({}); installing it here anyway",
                            clientId, node, e.toString());
                }
                if (epoch == MOVED_ON) {
                    installed.tryComplete();
                } else {
                    mine.add(new Reserved(clientId, installed, epoch));
                }
            }
            return new Taken(holders, mine);
        }, false).onSuccess(taken -> {
            home.context().runOnContext(v -> {
                install(node, life, r, taken);
                adopting.complete(null);
            });
        }).onFailure(t -> {
            log.error("node {} left: adopting its sessions failed", node, t);
            installing.remove(node, adopting);
            adopting.complete(null);
        });
    }

    /**
     * Completes on the home loop once the sessions of a dead node this node is adopting are installed here
     * (not yet durable, not yet announced); null if this node is not adopting it. Forwards meant for the dead
     * node are routed here from then on: waiting for the announcement instead would deadlock when the home
     * loop's own batch holds such a forward, since the announcement waits for that batch.
     */
    CompletableFuture<Void> installing(String node) {
        return installing.get(node);
    }

    /**
     * A session this node takes from a dead node's copy, what a connection for it here waits on, and its
     * epoch here (-1: another node claimed it meanwhile).
     */
    private record Reserved(String clientId, Promise<Void> installed, long epoch) {
        void done() {
            installed.tryComplete();
        }
    }

    /** The sessions taken from a dead node's copy, and the holders of its copies then (released once announced). */
    private record Taken(Owners.CopyHolders holders, List<Reserved> mine) {
    }

    /**
     * The id's owners-map entry moves here from the dead node, or from a holder ahead of this node that took it and
     * died; returns the epoch here, -1 if a live node claimed it from the dead node meanwhile (it gets the session
     * from here by a hand-over), or {@link #MOVED_ON}.
     */
    private long take(String clientId, String node, List<String> ahead, long copyEpoch) {
        long epoch = owners.takeFrom(clientId, node);
        for (int i = 0; epoch < 0 && i < ahead.size(); i++) {
            epoch = owners.takeFrom(clientId, ahead.get(i)); // it took the id, and died before its copies held the session
            if (epoch >= 0) {
                log.info("client {}: taken over from node {}, which died while adopting node {}", clientId, ahead.get(i), node);
            }
        }
        if (epoch < 0 && !ahead.isEmpty() && owners.owner(clientId).epoch() > copyEpoch + 1) {
            return MOVED_ON; // a holder ahead took it and its copies held it: that holder's adopter serves it
        }
        return epoch;
    }

    private void install(String node, String life, Replicas.Replica r, Taken taken) {
        try {
            installTaken(node, life, r, taken);
        } catch (RuntimeException e) {
            log.error("node {} left: adopting its sessions failed", node, e);
            taken.mine().forEach(Reserved::done); // connections waiting for them go on rather than hang
        }
    }

    private void installTaken(String node, String life, Replicas.Replica r, Taken taken) {
        FaultPoint.ADOPTION_TAKEN.reach("of node " + node);
        List<Reserved> mine = taken.mine();
        int[] counts = new int[3];
        replicas.locked(() -> {
            intake.adoptLedger(r.state.acceptedForwards(), r.state.sessions().keySet());
            home.counters().failover();
            // taken before the installs, which end the sessions in the copy and with them their receipts
            List<Message> unrouted = takeUnrouted(r);
            for (Reserved reserved : mine) {
                String clientId = reserved.clientId();
                JournalState.SessionState ss = r.state.sessions().get(clientId);
                if (ss == null) {
                    reserved.done(); // handed over from the copy meanwhile
                    continue;
                }
                Record.WillStored will = ss.will();
                SessionTransfer t = SessionTransfer.fromCopy(r, clientId);
                counts[1] += t.queue().size();
                counts[2] += t.inflight().size();
                if (reserved.epoch() >= 0) {
                    home.record(new Record.SessionEpoch(clientId, reserved.epoch())); // E5: with the session it moves
                }
                Promise<Void> installed = Promise.promise();
                // through the wire form: the messages get ids of this node, keeping where they were first accepted
                takeover.received(clientId, t.encode(r.caller), node, home, installed);
                installed.future().onComplete(x -> {
                    Session s = sessions.get(clientId);
                    if (s != null && will != null) {
                        // the connection died with its node: the will is due, here (MQTT-3.1.2-8)
                        s.will(WillMessage.of(will));
                        s.willDue(postOffice);
                    }
                    if (s != null) {
                        sessions.scheduleExpiry(s);
                    }
                    reserved.done();
                });
            }
            // routed after the installs, so that they reach the adopted sessions too: a receipt copied before the dead
            // node enqueued it for its own subscriber is in no queue of the copy (the ledger drops it where it is)
            reRoute(unrouted, r);
            counts[0] = unrouted.size();
            home.counters().receiptsRerouted(counts[0]);
            return null;
        });
        // not after the re-routed receipts' forwards: a receiver may relay one to the dead node's sessions, which
        // waits for this announcement
        home.whenJournaled(() -> vertx.executeBlocking(() -> {
            owners.adopted(node, life);
            owners.copyAdopted(node, taken.holders()); // the other holders drop their copies: this node's copies hold the sessions
            return null;
        }).onComplete(ar -> {
            if (ar.failed()) {
                log.error("node {} left: its sessions are installed here, but announcing the adoption failed", node, ar.cause());
            }
            log.warn("node {} left: adopted {} kept sessions ({} queued, {} in flight), {} receipts routed again", node,
                    mine.size(), counts[1], counts[2], counts[0]);
            installing.remove(node); // announced: forwards for it find this node as its adopter from now on
            // its routes stay a while: forwards still sent there come here, and the ledger drops the repeats;
            // removing them before every node saw this node's routes for the adopted sessions would lose messages
            replicas.forget(node, r); // installed: the sessions live here now
            vertx.setTimer(ROUTES_KEPT_MILLIS, id -> {
                if (!membership.isMember(node)) {
                    vertx.executeBlocking(() -> {
                        routeTable.dropNode(node);
                        return null;
                    });
                }
            });
        }));
    }

    /** Receipts the dead node held but had not marked routed (marked now in the copy): to be routed once more. */
    private static List<Message> takeUnrouted(Replicas.Replica r) {
        List<Message> out = new ArrayList<>();
        for (long id : List.copyOf(r.state.unroutedMessages())) {
            Message m = SessionTransfer.messageOf(r, id);
            if (m != null) {
                out.add(m.withRetain(false)); // the retained store was kept by every node already
            }
            r.state.apply(new Record.Routed(id));
        }
        return out;
    }

    /** Routes a dead node's unfinished receipts once more, as that node's messages (receivers drop repeats, E3). */
    private void reRoute(List<Message> unrouted, Replicas.Replica r) {
        // not to the dead node itself (its routes linger a while): its sessions are here now, and its next life,
        // starting, waits for this adoption before it takes forwards, a cycle until its 30 s wait ends
        String dead = r.caller.substring(0, r.caller.lastIndexOf('/'));
        for (Message again : unrouted) {
            if (MessageTrace.ON) {
                MessageTrace.step("adoption: routed again", again);
            }
            intake.reRoute(again, true, List.of());
            postOffice.forwardToOthers(again, home, dead);
        }
        groups.reRoute(unrouted);
    }
}
