package io.oncemq.broker.cluster;

import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.SessionRegistry;
import io.oncemq.cluster.ClusterOptions;
import io.oncemq.cluster.ColdStart;
import io.oncemq.cluster.Fence;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
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
    /** The exit code of a fenced node (README): its supervisor restarts it, and it rejoins from its journal (E5). */
    public static final int FENCED_EXIT_CODE = 75;

    private final Membership membership;
    private final NodeCalls calls;
    private final Owners owners;
    private final Replicas replicas;
    private final ColdStart coldStart;
    /** The nodes that decided the sessions together in a cold start; null when this node joined a running cluster. */
    private Set<String> coldNodes;
    private final Fence fence;
    private ReplicatedJournal journal;
    private ForwardSender forwarding;
    private RouteTable routeTable;
    private Takeover takeover;

    private ClusterNode(Membership membership, ClusterOptions options, Path dataDir) {
        this.membership = membership;
        this.coldStart = ColdStart.open(membership, options);
        this.calls = NodeCalls.open(membership, membership.nodeName() + "/" + Incarnation.of(dataDir));
        // halted, not stopped: no shutdown work may run on a node the others may have declared dead
        this.fence = Fence.start(membership, options.clusterSize(), () -> Runtime.getRuntime().halt(FENCED_EXIT_CODE));
        calls.fencedBy(fence);
        this.owners = Owners.open(membership);
        this.replicas = new Replicas(owners);
        calls.serve(ReplicatedJournal.SERVICE, replicas);
        membership.onJoin(replicas::forget); // a node that comes back sends its whole state again
    }

    /** Joins the cluster (blocks until joined) and starts keeping copies of other nodes' journals. */
    public static ClusterNode join(ClusterOptions options, Path dataDir) {
        return new ClusterNode(Membership.join(options), options, dataDir);
    }

    /** Whether this node may write to clients now (split-brain protection); null when it has no fence (fewer than three nodes). */
    public Fence fence() {
        return fence;
    }

    /** This node's journal, copied to its copy holders from now on. */
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
     * E5: a kept session replayed from this node's journal that the cluster moved past while this node was away
     * ends here instead of coming back; the others are claimed. Joining a running cluster, the owners map says
     * (another live owner, or a newer epoch); in a cold start, the newest epoch of all journals. Blocks.
     */
    public void claimReplayed(JournalState state, Journal journal) {
        List<Record> records = new ArrayList<>();
        try {
            if (coldStart.cold()) {
                decideCold(state, records);
            } else {
                claimWarm(state, records);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while claiming the replayed sessions", e);
        }
        if (!records.isEmpty()) {
            state.endOfBatch();
            CompletableFuture<Void> durable = new CompletableFuture<>();
            journal.append(records, () -> durable.complete(null));
            await(durable);
        }
    }

    private void claimWarm(JournalState state, List<Record> records) {
        List<String> kept = new ArrayList<>();
        for (String clientId : List.copyOf(state.sessions().keySet())) {
            Owners.Owner owner = owners.owner(clientId);
            long mine = state.epoch(clientId);
            if (owner.node() != null && !owner.node().equals(membership.nodeName())
                    && (membership.isMember(owner.node()) || owner.epoch() > mine)) {
                log.info("client {}: session served by node {} now (epoch {}, here {}); dropped from this node's journal",
                        clientId, owner.node(), owner.epoch(), mine);
                end(clientId, state, records);
            } else {
                kept.add(clientId);
            }
        }
        List<CompletableFuture<Owners.Claim>> claims = new ArrayList<>();
        for (String clientId : kept) {
            claims.add(owners.claim(clientId).toCompletableFuture());
        }
        for (int i = 0; i < kept.size(); i++) {
            long epoch = await(claims.get(i)).epoch();
            if (epoch != state.epoch(kept.get(i))) {
                Record r = new Record.SessionEpoch(kept.get(i), epoch);
                state.apply(r);
                records.add(r);
            }
        }
    }

    /**
     * Cold start: every node offers the epochs its journal holds, for sessions and ended ones alike; once all
     * have, a node keeps the sessions whose newest copy is its own and ends the rest.
     */
    private void decideCold(JournalState state, List<Record> records) throws InterruptedException {
        Set<String> clientIds = new LinkedHashSet<>(state.sessions().keySet());
        clientIds.addAll(state.epochs().keySet());
        if (clientIds.isEmpty()) {
            coldStart.reached(ColdStart.Step.ROUTED); // nothing to offer or route: nobody needs to wait for this node
            coldNodes = Set.of();
            return;
        }
        coldStart.awaitConfiguredMembers();
        List<CompletableFuture<String>> offers = new ArrayList<>();
        for (String clientId : clientIds) {
            offers.add(owners.offer(clientId, state.epoch(clientId)).toCompletableFuture());
        }
        offers.forEach(ClusterNode::await);
        coldStart.reached(ColdStart.Step.OFFERED);
        coldNodes = coldStart.awaitAll(ColdStart.Step.OFFERED, null);
        int dropped = 0;
        for (String clientId : List.copyOf(state.sessions().keySet())) {
            Owners.Owner owner = owners.owner(clientId);
            if (!membership.nodeName().equals(owner.node())) {
                log.info("client {}: newer copy (epoch {}) on node {}, here epoch {}; dropped from this node's journal",
                        clientId, owner.epoch(), owner.node(), state.epoch(clientId));
                end(clientId, state, records);
                dropped++;
            }
        }
        log.info("cold start of node {} with nodes {}: {} kept sessions here, {} dropped as older than another node's",
                membership.nodeName(), coldNodes, state.sessions().size(), dropped);
    }

    private static void end(String clientId, JournalState state, List<Record> records) {
        Record end = new Record.SessionEnded(clientId);
        state.apply(end);
        records.add(end);
    }

    /**
     * Cold start, once the sessions kept here are restored (their routes announced): waits until every node of
     * the cold start announced its routes and mirrors them, so that receipts routed again next reach every
     * node's subscribers. Then nodes joining later restart into a running cluster. Blocks.
     */
    public void awaitRoutesOfColdStart() {
        if (coldNodes == null) {
            return;
        }
        routeTable.writeOwn();
        coldStart.reached(ColdStart.Step.ROUTED);
        try {
            coldStart.awaitAll(ColdStart.Step.ROUTED, coldNodes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the routes of the cold start", e);
        }
        routeTable.readOthers();
        if (!coldNodes.isEmpty() || coldStart.allConfiguredHere()) {
            coldStart.started();
        }
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException("cluster: " + e.getMessage(), e);
        }
    }

    /**
     * A node restarting faster than the cluster noticed its death: the first live holder of its copies is adopting
     * what this node held before (the entry naming the holders goes when done). That ends first, so that each
     * session has one owner.
     */
    private void awaitAdoptionOfEarlierSelf() {
        String self = membership.nodeName();
        Owners.CopyHolders holders = owners.copyHolders(self);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ADOPTION_WAIT_SECONDS);
        try {
            // also over when every holder left: nobody adopts then (checked each second)
            while (membership.firstMember(holders.nodes().stream().filter(h -> !h.equals(self)).toList()) != null
                    && holders.equals(owners.copyHolders(self)) && System.nanoTime() < deadline) {
                owners.awaitCopyReleased(self, holders, 1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Takes forwards, hand-overs and, when a node dies, its sessions; call once the replayed sessions are restored. */
    public void serve(PostOffice postOffice, SessionRegistry sessions, JournalBatcher home, JournalState state, Vertx vertx,
                      Consumer<Object> closeConnection) {
        ForwardIntake intake = new ForwardIntake(postOffice, sessions, home, calls.caller(), state.acceptedForwards());
        postOffice.keepLedger(intake);
        takeover = new Takeover(membership, owners, calls, sessions, postOffice, intake, vertx, closeConnection);
        intake.claimsFrom(takeover::claimUnderWay);
        GroupReRoute groups = new GroupReRoute(calls, membership, postOffice, intake, home);
        Adoption adoption = new Adoption(replicas, membership, owners, routeTable, sessions, postOffice, intake, takeover, groups, home, vertx);
        forwarding.deliverLocallyTo(intake, adoption);
        // the life that ended and its copy are read now, on the event thread, before a restart under the same
        // name joins (its join drops the copy here: it sends its whole state again)
        membership.onLeave(node -> adoptWhenServing(adoption, node, membership.departedLife(node), replicas.of(node), vertx, true));
        calls.serve(ForwardSender.SERVICE, intake);
        calls.serve(Takeover.SERVICE, takeover);
        calls.serve(GroupReRoute.SERVICE, groups);
    }

    /**
     * A node whose own lease lapsed (paused, cut off) sees the others leave when it runs again: it adopts them
     * only once a majority confirms it again, and is fenced otherwise, so a stale node never takes sessions over.
     * Nor does a node that sees no majority of members. And the sessions of the node that left are served here only
     * once every lease the members granted it ran out: cut off from some members only, it kept a majority, and
     * served, until the last of the others stopped confirming it (E4).
     */
    private void adoptWhenServing(Adoption adoption, String node, String life, Replicas.Replica copy, Vertx vertx, boolean first) {
        if (fence == null) {
            adoption.nodeLeft(node, life, copy);
            return;
        }
        if (!fence.serving()) {
            if (first) {
                log.warn("node {} left while this node's lease has lapsed: adopting it once a majority confirms this node", node);
            }
            // not given up when the node restarts meanwhile: its earlier life's sessions are only in this copy
            vertx.setTimer(250, id -> adoptWhenServing(adoption, node, life, copy, vertx, false));
            return;
        }
        long asked = System.nanoTime();
        fence.leaseOver(node).whenComplete((over, e) -> {
            if (e == null && over && fence.serving()) {
                long waited = (System.nanoTime() - asked) / 1_000_000;
                if (waited > 100) {
                    log.info("node {} left: adopting it {} ms later, once no lease the cluster granted it could hold", node, waited);
                }
                adoption.nodeLeft(node, life, copy);
                return;
            }
            if (first) {
                log.warn("node {} left while this node sees no majority of the configured nodes: adopting it once it does", node);
            }
            vertx.setTimer(250, id -> adoptWhenServing(adoption, node, life, copy, vertx, false));
        });
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

    /** The nodes that keep copies of this node's journal, comma-separated, first adopter first; null when alone. */
    public String copyHolders() {
        java.util.List<String> holders = membership.copyHolders();
        return holders.isEmpty() ? null : String.join(",", holders);
    }

    /** Forward requests sent to other nodes so far (one per loop turn and target node). */
    public long forwardRequests() {
        return forwarding == null ? 0 : forwarding.batches();
    }

    /** The journal copies to the holders: requests sent, rounds acknowledged, and their total round-trip time. */
    public ReplicatedJournal copy() {
        return journal;
    }

    /** Leaves the cluster, with one line of what this node sent through it (bench/RESULTS.md counts them per message). */
    @Override
    public void close() {
        log.info("node {} leaves the cluster: {} forward requests and {} journal-copy requests sent",
                membership.nodeName(), forwarding == null ? 0 : forwarding.batches(), journal == null ? 0 : journal.requests());
        if (fence != null) {
            fence.close();
        }
        membership.close();
    }
}
