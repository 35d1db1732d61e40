package io.oncemq.broker.cluster;

import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.SessionRegistry;
import io.oncemq.cluster.ClusterOptions;
import io.oncemq.cluster.Membership;
import io.oncemq.cluster.NodeCalls;
import io.oncemq.cluster.Owners;
import io.oncemq.cluster.RouteTable;
import io.oncemq.journal.Journal;
import io.oncemq.journal.JournalState;
import io.oncemq.journal.Record;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * This node's part in its cluster, wired in the order a start needs: join and keep copies of others'
 * journals; copy this node's journal; route and forward; claim the replayed sessions; serve forwards,
 * hand-overs and adoptions. Null-free for the broker: a node alone has no ClusterNode at all.
 */
public final class ClusterNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
    private static final long ADOPTION_WAIT_SECONDS = 30;

    private final Membership membership;
    private final NodeCalls calls;
    private final Owners owners;
    private final Replicas replicas;
    private ReplicatedJournal journal;
    private ForwardSender forwarding;
    private RouteTable routeTable;
    private Takeover takeover;

    private ClusterNode(Membership membership, Path dataDir) {
        this.membership = membership;
        this.calls = NodeCalls.open(membership, membership.nodeName() + "/" + Incarnation.of(dataDir));
        this.owners = Owners.open(membership);
        this.replicas = new Replicas(owners);
        calls.serve(ReplicatedJournal.SERVICE, replicas);
        membership.onJoin(replicas::forget); // a node that comes back sends its whole state again
    }

    /** Joins the cluster (blocks until joined) and starts keeping copies of other nodes' journals. */
    public static ClusterNode join(ClusterOptions options, Path dataDir) {
        return new ClusterNode(Membership.join(options), dataDir);
    }

    /** This node's journal, copied to its buddy from now on. */
    public Journal replicate(Journal local) {
        journal = new ReplicatedJournal(local, calls, membership);
        return journal;
    }

    /** Announces this node's subscriptions and forwards to other nodes' subscribers from now on. */
    public JournalBatcher.Forwarding route(PostOffice postOffice, Vertx vertx) {
        // before this node's routes of an earlier life go: by then the adopter announced the adopted ones
        awaitAdoptionOfEarlierSelf();
        forwarding = new ForwardSender(calls, membership, owners, vertx);
        ClusterRoutes routes = new ClusterRoutes(membership);
        routeTable = RouteTable.open(membership, routes);
        routes.announceThrough(routeTable);
        postOffice.joinCluster(routes);
        return forwarding;
    }

    /**
     * E5: a kept session replayed from this node's journal that another live node serves now was taken
     * over while this node was away: it ends here instead of coming back. The others are claimed. Blocks.
     */
    public void claimReplayed(JournalState state, Journal journal) {
        List<Record> ended = new ArrayList<>();
        for (String clientId : List.copyOf(state.sessions().keySet())) {
            String owner = owners.owner(clientId);
            if (owner != null && !owner.equals(membership.nodeName()) && membership.isMember(owner)) {
                log.info("client {}: session served by node {} now; dropped from this node's journal", clientId, owner);
                Record end = new Record.SessionEnded(clientId);
                state.apply(end);
                ended.add(end);
            } else {
                owners.claim(clientId);
            }
        }
        if (!ended.isEmpty()) {
            state.endOfBatch();
            CompletableFuture<Void> durable = new CompletableFuture<>();
            journal.append(ended, () -> durable.complete(null));
            try {
                durable.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("journal: " + e.getMessage(), e);
            }
        }
    }

    /**
     * A node restarting faster than the cluster noticed its death: its buddy is adopting what this node held
     * before (it gives the copy up when done). That ends first, so that each session has one owner.
     */
    private void awaitAdoptionOfEarlierSelf() {
        String self = membership.nodeName();
        String holder = owners.copyHolder(self);
        if (holder == null || holder.equals(self) || !membership.isMember(holder)) {
            return;
        }
        try {
            // also over when the holder itself leaves: nobody adopts then
            owners.awaitCopyReleased(self, holder, ADOPTION_WAIT_SECONDS,
                    wake -> membership.onLeave(node -> { if (node.equals(holder)) wake.run(); }));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Takes forwards, hand-overs and, when a node dies, its sessions; call once the replayed sessions are restored. */
    public void serve(PostOffice postOffice, SessionRegistry sessions, JournalBatcher home, JournalState state, Vertx vertx,
                      Consumer<Object> closeConnection) {
        ForwardIntake intake = new ForwardIntake(postOffice, sessions, home, calls.caller(), state.acceptedForwards());
        forwarding.deliverLocallyTo(intake);
        takeover = new Takeover(membership, owners, calls, sessions, postOffice, intake, vertx, closeConnection);
        Adoption adoption = new Adoption(replicas, membership, owners, routeTable, sessions, postOffice, intake, takeover, home, vertx);
        takeover.copiesFrom(adoption);
        membership.onLeave(adoption::nodeLeft);
        calls.serve(ForwardSender.SERVICE, intake);
        calls.serve(Takeover.SERVICE, takeover);
    }

    /** See {@link Takeover#claim}. */
    public Future<Void> claim(String clientId, JournalBatcher loop) {
        return takeover.claim(clientId, loop);
    }

    /** This node's name in the cluster. */
    public String nodeName() {
        return membership.nodeName();
    }

    /** The names of the members now, this one included, oldest first. */
    public java.util.List<String> members() {
        return membership.nodes();
    }

    /** The node that keeps this node's journal copy, or null when alone. */
    public String buddy() {
        return membership.buddy();
    }

    /** Forward requests sent to other nodes so far (one per loop turn and target node). */
    public long forwardRequests() {
        return forwarding == null ? 0 : forwarding.batches();
    }

    /** The journal copy to the buddy: requests sent and acknowledged, and their total round-trip time. */
    public ReplicatedJournal copy() {
        return journal;
    }

    /** Leaves the cluster, with one line of what this node sent through it (bench/RESULTS.md counts them per message). */
    @Override
    public void close() {
        log.info("node {} leaves the cluster: {} forward requests and {} journal-copy requests sent",
                membership.nodeName(), forwarding == null ? 0 : forwarding.batches(), journal == null ? 0 : journal.requests());
        membership.close();
    }
}
