package io.oncemq.broker.cluster;

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
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a dead node held lives on here, on its buddy (failover): its kept sessions whose client id nobody
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
    /** Dead nodes being adopted here, until the adoption is announced. */
    private final java.util.Map<String, CompletableFuture<Void>> installing = new java.util.concurrent.ConcurrentHashMap<>();

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
     * A node left the cluster: adopt what its copy holds, if this node keeps the current one. {@code life}: the
     * life that ended (a restart under its name is another); {@code r}: the copy of it here when it left, or null.
     */
    void nodeLeft(String node, String life, Replicas.Replica r) {
        if (r == null) {
            log.info("node {} left: no copy of it here", node);
            return;
        }
        CompletableFuture<Void> adopting = new CompletableFuture<>();
        vertx.<List<Reserved>>executeBlocking(() -> {
            if (!owners.holdsCopyOf(node)) {
                log.info("node {} left: its current copy is on node {}, not here", node, owners.copyHolder(node));
                replicas.forget(node, r); // an older copy: the node moved on to another buddy since
                return null;
            }
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
                    epoch = owners.takeFrom(clientId, node);
                } catch (RuntimeException e) {
                    log.warn("client {}: cannot take it over from node {} in the owners map ({}); installing it here anyway",
                            clientId, node, e.toString());
                }
                mine.add(new Reserved(clientId, installed, epoch));
            }
            return mine;
        }).onSuccess(mine -> {
            if (mine != null) {
                home.context().runOnContext(v -> {
                    adopt(node, life, r, mine);
                    adopting.complete(null);
                });
            }
        })
                .onFailure(t -> {
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

    private void adopt(String node, String life, Replicas.Replica r, List<Reserved> mine) {
        try {
            install(node, life, r, mine);
        } catch (RuntimeException e) {
            log.error("node {} left: adopting its sessions failed", node, e);
            mine.forEach(Reserved::done); // connections waiting for them go on rather than hang
        }
    }

    private void install(String node, String life, Replicas.Replica r, List<Reserved> mine) {
        int[] counts = new int[3];
        replicas.locked(() -> {
            intake.adoptLedger(r.state.acceptedForwards());
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
            owners.copyAdopted(node);
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
