package io.oncemq.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A whole cluster starting again from its journals (E5): the owners and route maps live in memory only, so
 * the nodes meet first. Each waits (up to {@code cold-start-wait}) for the listed members (with Kubernetes discovery,
 * for {@code cluster-size} nodes), offers the epochs its journal holds, and waits until every node there has
 * offered before it keeps the sessions it won; then
 * until every one has announced its routes before it routes what it had not finished routing. A node that
 * joins a cluster someone already serves from finds the marker and restarts as before.
 */
public final class ColdStart {

    private static final Logger log = LoggerFactory.getLogger(ColdStart.class);
    private static final String MAP = "oncemq.coldstart";
    /** The key that says some node finished starting: a node joining later joins a running cluster. */
    private static final String STARTED = "";

    /** How far a node got in the cold start. */
    public enum Step { OFFERED, ROUTED }

    private final Membership membership;
    private final IMap<String, Integer> steps;
    private final Set<String> listed = new LinkedHashSet<>();
    /** With Kubernetes discovery, which lists no members: how many nodes the cluster is meant to have; else 0. */
    private final int clusterSize;
    private final long waitNanos;
    private final AtomicLong changes = new AtomicLong();
    private final boolean cold;

    private ColdStart(Membership membership, ClusterOptions options) {
        this.membership = membership;
        this.steps = membership.hazelcast().getMap(MAP);
        this.waitNanos = TimeUnit.SECONDS.toNanos(options.coldStartWaitSeconds());
        if (options.kubernetes() != null) {
            this.clusterSize = options.kubernetes().clusterSize();
        } else {
            this.clusterSize = 0;
            listed.add(options.host() + ":" + options.port());
            listed.addAll(options.members());
        }
        membership.onJoin(n -> changed());
        membership.onLeave(n -> changed());
        steps.addEntryListener(new StepListener(this), false);
        this.cold = !steps.containsKey(STARTED);
    }

    /** Looks for the marker once, on joining. Blocks. */
    public static ColdStart open(Membership membership, ClusterOptions options) {
        return new ColdStart(membership, options);
    }

    /** Whether nobody served from this cluster yet when this node joined: all nodes restart from their journals. */
    public boolean cold() {
        return cold;
    }

    /**
     * Waits until every listed member (with Kubernetes discovery: {@code cluster-size} nodes) is in the cluster, or
     * {@code cold-start-wait} passed (one WARN naming what is missing).
     */
    public void awaitConfiguredMembers() throws InterruptedException {
        if (!await(() -> missing().isEmpty(), System.nanoTime() + waitNanos)) {
            log.warn("cold start of node {}: {} not here after {} s; deciding the sessions without their journals",
                    membership.nodeName(), missing(), TimeUnit.NANOSECONDS.toSeconds(waitNanos));
        }
    }

    /** Whether every listed member (with Kubernetes discovery: {@code cluster-size} nodes) is in the cluster now. */
    public boolean allConfiguredHere() {
        return missing().isEmpty();
    }

    /** This node has done {@code step} (and those before it). Blocks. */
    public void reached(Step step) {
        steps.set(membership.nodeName(), step.ordinal());
    }

    /**
     * Waits until every node of {@code among} still in the cluster (all members when null) has done {@code step},
     * or {@code cold-start-wait} passed; returns the nodes that have done it.
     */
    public Set<String> awaitAll(Step step, Set<String> among) throws InterruptedException {
        if (!await(() -> pending(step, among).isEmpty(), System.nanoTime() + waitNanos)) {
            log.warn("cold start of node {}: nodes {} did not get to {} within {} s; going on without them", membership.nodeName(),
                    pending(step, among), step, TimeUnit.NANOSECONDS.toSeconds(waitNanos));
        }
        Set<String> done = new LinkedHashSet<>();
        for (String node : among == null ? membership.nodes() : among) {
            Integer s = steps.get(node);
            if (s != null && s >= step.ordinal()) {
                done.add(node);
            }
        }
        return done;
    }

    /** From now on nodes that join restart into a running cluster. Blocks. */
    public void started() {
        steps.set(STARTED, 0);
    }

    private List<String> pending(Step step, Set<String> among) {
        List<String> out = new ArrayList<>();
        for (String node : among == null ? membership.nodes() : among) {
            Integer s = steps.get(node);
            if ((s == null || s < step.ordinal()) && membership.isMember(node)) {
                out.add(node);
            }
        }
        return out;
    }

    /** What of the configured cluster is not here, for the log; empty when nothing is. */
    private String missing() {
        if (clusterSize > 0) {
            // by name: a node restarted under its name, its last life not yet declared dead, is one node
            int here = new HashSet<>(membership.nodes()).size();
            return here >= clusterSize ? "" : (clusterSize - here) + " of the " + clusterSize + " nodes of cluster-size";
        }
        Set<String> here = new LinkedHashSet<>();
        for (Member m : membership.hazelcast().getCluster().getMembers()) {
            here.add(m.getAddress().getHost() + ":" + m.getAddress().getPort());
        }
        List<String> out = new ArrayList<>();
        for (String member : listed) {
            // members report addresses; the list may name hosts (a StatefulSet's pod DNS names)
            if (!here.contains(member) && !here.contains(ClusterOptions.resolved(member))) {
                out.add(member);
            }
        }
        return out.isEmpty() ? "" : "members " + out;
    }

    /** Waits, woken by members joining or leaving and by steps done, until {@code done} holds or the deadline passes. */
    private boolean await(BooleanSupplier done, long deadline) throws InterruptedException {
        while (true) {
            long seen = changes.get();
            if (done.getAsBoolean()) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            synchronized (changes) {
                if (changes.get() == seen) {
                    TimeUnit.NANOSECONDS.timedWait(changes, left);
                }
            }
        }
    }

    private void changed() {
        synchronized (changes) {
            changes.incrementAndGet();
            changes.notifyAll();
        }
    }

    private record StepListener(ColdStart start) implements EntryAddedListener<String, Integer>, EntryUpdatedListener<String, Integer> {
        @Override
        public void entryAdded(EntryEvent<String, Integer> e) {
            start.changed();
        }

        @Override
        public void entryUpdated(EntryEvent<String, Integer> e) {
            start.changed();
        }
    }
}
