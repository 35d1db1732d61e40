package io.oncemq.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.LifecycleEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Split-brain protection (E4, E5): this node serves only while a majority of the configured nodes confirmed,
 * by a round trip started less than {@link #LEASE_MILLIS} ago, that they count it as a member. The others
 * declare a silent node dead after 10 s and adopt its sessions once no lease they granted it can hold
 * ({@link #leaseOver}), so a node that was paused (SIGSTOP, a long GC) or cut off has stopped serving before. A
 * lapsed node that no majority confirms within {@link #CONFIRM_WAIT_MILLIS}, or that a node which counted it says it
 * no longer does, is fenced: one error line and the {@code onFenced} action (the broker halts, its supervisor
 * restarts it).
 *
 * <p>The lease counts from the moment a probe round <em>started</em>: answers that waited in a socket during a
 * pause confirm only that old moment, never the present. {@link #serving} is a volatile read and a clock read.
 */
public final class Fence implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Fence.class);
    /** How long a confirmation lets this node serve: well under the 10 s after which the others adopt it. */
    public static final long LEASE_MILLIS = 3_000;
    /** How long a lapsed node waits for a majority before it gives up and is fenced. */
    public static final long CONFIRM_WAIT_MILLIS = 4_000;
    private static final long PROBE_MILLIS = 500;
    private static final long LEASE_NANOS = TimeUnit.MILLISECONDS.toNanos(LEASE_MILLIS);
    private static final long CONFIRM_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(CONFIRM_WAIT_MILLIS);
    /** Beyond a lease's end before its node's sessions are served elsewhere: its last write may pass the gate just before. */
    private static final long LEASE_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    /** How long an adopter waits for a node's answer on its grants; silent, it counts as having granted one just now. */
    private static final long GRANT_QUERY_NANOS = TimeUnit.MILLISECONDS.toNanos(1_000);
    static final String EXECUTOR = "oncemq.fence";

    private final Membership membership;
    private final String self;
    private final int clusterSize;
    private final int quorum;
    private final Runnable onFenced;
    private final IExecutorService executor;
    private final ScheduledExecutorService ticker;
    private final LeaseGrants grants;
    /** The members (by Hazelcast member id) that confirmed this node at least once: a later "no" from them is a removal. */
    private final Set<UUID> confirmedBy = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean fenced = new AtomicBoolean();
    /** System.nanoTime() until which this node may serve. */
    private volatile long deadline;
    // guarded by this
    private long lastConfirmed;
    private boolean everConfirmed;
    // ticker thread only (its first tick runs in start, before the ticker)
    private boolean armed;
    private boolean toldWaiting;
    private long lapsedSince;

    private Fence(Membership membership, int clusterSize, Runnable onFenced) {
        this.membership = membership;
        this.self = membership.nodeName();
        this.clusterSize = clusterSize;
        this.quorum = clusterSize / 2 + 1;
        this.onFenced = onFenced;
        this.executor = membership.hazelcast().getExecutorService(EXECUTOR);
        this.grants = grants(membership.hazelcast());
        // not serving until a majority is seen: a node restarted inside a minority (a supervisor during a partition)
        // would otherwise serve sessions the majority took over (E5); nodes started one by one serve from the second
        this.deadline = System.nanoTime();
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "oncemq-fence");
            t.setDaemon(true);
            return t;
        });
    }

    static void configure(Config config) {
        // its own threads: the probe must be answered also while every call thread waits for a journal
        config.getExecutorConfig(EXECUTOR).setPoolSize(2);
        config.getSerializationConfig().addDataSerializableFactory(FenceTask.FACTORY,
                id -> id == GrantQuery.ID ? new GrantQuery() : new FenceProbe());
    }

    /** This node's record of the leases it granted (kept in the instance's user context, where probes find it). */
    static LeaseGrants grants(HazelcastInstance hazelcast) {
        return (LeaseGrants) hazelcast.getUserContext().computeIfAbsent(LeaseGrants.KEY, k -> new LeaseGrants());
    }

    /**
     * Starts probing for a cluster of {@code clusterSize} configured nodes; null when the cluster has fewer than
     * three: two nodes cannot tell a dead peer from a partition, so no majority could survive a node's loss.
     */
    public static Fence start(Membership membership, int clusterSize, Runnable onFenced) {
        if (clusterSize < 3) {
            return null;
        }
        Fence f = new Fence(membership, clusterSize, onFenced);
        membership.hazelcast().getLifecycleService().addLifecycleListener(e -> {
            if (e.getState() == LifecycleEvent.LifecycleState.MERGING) {
                // only a cluster without a majority (it served nothing) merges into another: what this node holds may be
                // older than what the majority serves, so it restarts from its journal instead of rejoining with it (E5)
                f.fence("its cluster, formed without a majority, is merging into the cluster of the others (a partition healed)");
            }
        });
        membership.onJoin(node -> f.tickSoon()); // a node waiting for a majority serves once it has one, not at the next tick
        f.tick(); // here: a node that joined a majority serves from its first moment, with no gap before the ticker's first run
        // with a fixed delay: after a pause the missed ticks do not run in a burst
        f.ticker.scheduleWithFixedDelay(f::tick, PROBE_MILLIS, PROBE_MILLIS, TimeUnit.MILLISECONDS);
        return f;
    }

    /** Whether this node may serve now: write to clients, call and answer other nodes. */
    public boolean serving() {
        return System.nanoTime() - deadline < 0;
    }

    private void tickSoon() {
        try {
            ticker.execute(this::tick);
        } catch (RejectedExecutionException closed) {
            // the node is stopping: nothing to serve
        }
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            List<Member> peers = peers();
            if (!armed) {
                if (peers.size() + 1 < quorum) {
                    if (!toldWaiting) {
                        toldWaiting = true;
                        log.info("node {}: {} of {} configured nodes in the cluster; not serving until a majority has joined",
                                self, peers.size() + 1, clusterSize);
                    }
                    return;
                }
                armed = true;
                confirmed(now);
                log.info("node {}: {} of {} configured nodes in the cluster; serving from now on only while a majority "
                        + "confirms this node (lease {} ms)", self, peers.size() + 1, clusterSize, LEASE_MILLIS);
            }
            probe(now, peers);
            if (now - deadline < 0) {
                if (lapsedSince != 0) {
                    lapsedSince = 0;
                    log.info("node {}: a majority confirms this node again; serving", self);
                }
            } else if (lapsedSince == 0) {
                lapsedSince = now;
                log.warn("node {}: no majority of the {} configured nodes confirmed this node for {} ms; not serving until one does",
                        self, clusterSize, TimeUnit.NANOSECONDS.toMillis(now - lastConfirmed()));
            } else if (now - lapsedSince > CONFIRM_WAIT_NANOS) {
                fence("no majority of the " + clusterSize + " configured nodes confirmed it within " + CONFIRM_WAIT_MILLIS
                        + " ms after its lease lapsed (cut off, or paused past the failure detector's timeout)");
            }
        } catch (RuntimeException e) {
            log.warn("node {}: fence probe failed: {}", self, e.toString());
        }
    }

    /** One round: each other member is asked whether it counts this node; a majority (this node included) renews the lease. */
    private void probe(long start, List<Member> peers) {
        AtomicInteger yes = new AtomicInteger(1);
        for (Member peer : peers) {
            executor.submitToMember(new FenceProbe(self), peer, new ExecutionCallback<Boolean>() {
                @Override
                public void onResponse(Boolean counts) {
                    if (counts) {
                        confirmedBy.add(peer.getUuid());
                        if (yes.incrementAndGet() == quorum) {
                            confirmed(start);
                        }
                    } else if (confirmedBy.contains(peer.getUuid())) {
                        fence("node " + peer.getAttribute(Membership.NODE) + " no longer counts it as a member");
                    }
                }

                @Override
                public void onFailure(Throwable t) {
                    if (confirmedBy.contains(peer.getUuid()) && callerNotMember(t)) {
                        fence("node " + peer.getAttribute(Membership.NODE) + " no longer counts it as a member");
                    }
                }
            });
        }
    }

    /**
     * Completes with true once no lease any member granted {@code node} can still hold, so that its adopter may serve
     * its sessions (E4: a node cut off from some members only keeps a majority, and serves, until the members that
     * still confirmed it stop); at once with false when this node does not see a majority of the configured nodes,
     * for a minority may not adopt anyone.
     */
    public CompletableFuture<Boolean> leaseOver(String node) {
        List<Member> peers = peers();
        if (peers.size() + 1 < quorum) {
            return CompletableFuture.completedFuture(false);
        }
        CompletableFuture<Boolean> over = new CompletableFuture<>();
        AtomicLong latest = new AtomicLong(grants.nanosSince(node)); // the fewest nanoseconds since any grant
        AtomicInteger waiting = new AtomicInteger(peers.size());
        for (Member peer : peers) {
            AtomicBoolean answered = new AtomicBoolean();
            LongConsumer answer = since -> {
                if (answered.compareAndSet(false, true)) {
                    latest.accumulateAndGet(since, Math::min);
                    if (waiting.decrementAndGet() == 0) {
                        waitOut(latest.get(), over);
                    }
                }
            };
            executor.submitToMember(new GrantQuery(node), peer, new ExecutionCallback<Long>() {
                @Override
                public void onResponse(Long since) {
                    answer.accept(since);
                }

                @Override
                public void onFailure(Throwable t) {
                    answer.accept(0);
                }
            });
            ticker.schedule(() -> answer.accept(0), GRANT_QUERY_NANOS, TimeUnit.NANOSECONDS);
        }
        return over;
    }

    private void waitOut(long sinceLatestGrant, CompletableFuture<Boolean> over) {
        long left = LEASE_NANOS + LEASE_MARGIN_NANOS - sinceLatestGrant;
        if (left <= 0) {
            over.complete(true);
        } else {
            ticker.schedule(() -> over.complete(true), left, TimeUnit.NANOSECONDS);
        }
    }

    private synchronized void confirmed(long start) {
        if (fenced.get() || (everConfirmed && start - lastConfirmed <= 0)) {
            return;
        }
        everConfirmed = true;
        lastConfirmed = start;
        deadline = start + LEASE_NANOS;
    }

    private synchronized long lastConfirmed() {
        return lastConfirmed;
    }

    private void fence(String why) {
        if (!fenced.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) {
            deadline = System.nanoTime() - 1;
        }
        log.error("node {} fenced: {}; it stops so that no client is served by two nodes", self, why);
        onFenced.run();
    }

    private List<Member> peers() {
        return membership.hazelcast().getCluster().getMembers().stream().filter(m -> !m.localMember()).toList();
    }

    private static boolean callerNotMember(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getClass().getSimpleName().equals("CallerNotMemberException")) {
                return true;
            }
        }
        return false;
    }

    /** The failure of calls from and to this node while it may not serve. */
    public static final class Lapsed extends RuntimeException {
        public Lapsed(String node) {
            super("node " + node + " is not serving: no majority confirmed it within the last " + LEASE_MILLIS + " ms", null, false, false);
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
