package io.oncemq.broker.session;

import io.oncemq.broker.cluster.ClusterRoutes;
import io.oncemq.broker.cluster.Forward;
import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.qos.OutboundFlow.Delivery;
import io.oncemq.broker.retain.RetainedMessages;
import io.oncemq.broker.topic.SharedGroup;
import io.oncemq.broker.topic.Subscription;
import io.oncemq.broker.topic.TopicTree;
import io.oncemq.broker.trace.MessageTrace;
import io.oncemq.journal.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Routes accepted messages to the sessions whose subscriptions match: records what must be durable
 * (the message, its queue entries, the retained change) in the publisher's batch, and hands the
 * message to each session once that batch is durable.
 */
public final class PostOffice {

    private static final Logger log = LoggerFactory.getLogger(PostOffice.class);
    private static final long DROP_LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final TopicTree<Session> subscriptions;
    private final SharedSubscriptions groups = new SharedSubscriptions();
    private final RetainedMessages retained;
    private final AtomicLong messageIds;
    private final int maxQueued;
    /** Skips no session. */
    public static final Predicate<Session> NONE = s -> false;
    private final AtomicLong dropped = new AtomicLong();
    private volatile ClusterRoutes cluster;
    private volatile Ledger ledger;
    private volatile long lastDropLog;

    /** A session a message goes to, at the QoS and with the retain flag it is delivered with. */
    public record Target(Session session, int qos, boolean retain, boolean shared) {
    }

    /** Where a message goes: this node's sessions, and whether forwards to other nodes were added to the batch. */
    public record Routing(List<Target> targets, boolean forwarded) {
    }

    public PostOffice(TopicTree<Session> subscriptions, RetainedMessages retained, long lastMessageId, int maxQueued) {
        this.subscriptions = subscriptions;
        this.retained = retained;
        this.messageIds = new AtomicLong(lastMessageId);
        this.maxQueued = maxQueued;
    }

    /** From now on, subscriptions are announced to the cluster and messages forwarded to other nodes' subscribers. */
    public void joinCluster(ClusterRoutes routes) {
        cluster = routes;
    }

    /**
     * What the cluster's ledger of forwarded messages learns from routing here, so that a forward coming back to
     * this node (sent on to the adopter of a node that died, or redirected) reaches no session twice (E3) and
     * misses none.
     */
    public interface Ledger {
        /** A message accepted here and forwarded to other nodes was routed to these sessions here. */
        void routedHere(Message m, List<Target> targets);

        /** A session the message was routed to here moved to another node before it got it. */
        void notDeliveredHere(Message m, String clientId);
    }

    /** Set once the cluster's forward intake exists. */
    public void keepLedger(Ledger ledger) {
        this.ledger = ledger;
    }

    public long nextMessageId() {
        return messageIds.incrementAndGet();
    }

    /** Adds or replaces a subscription of the session: a plain filter, or {@code $share/{group}/{filter}}. */
    public void subscribe(Session s, String filter, Subscription sub) {
        String[] shared = SharedGroup.parse(filter);
        boolean added = shared == null ? subscriptions.subscribe(filter, s, sub) : groups.subscribe(s, filter, shared, sub);
        ClusterRoutes c = cluster;
        if (added && c != null) {
            c.subscribed(filter);
        }
    }

    public void unsubscribe(Session s, String filter) {
        String[] shared = SharedGroup.parse(filter);
        boolean removed = shared == null ? subscriptions.unsubscribe(filter, s) : groups.unsubscribe(s, filter, shared);
        ClusterRoutes c = cluster;
        if (removed && c != null) {
            c.unsubscribed(filter);
        }
    }

    /**
     * The session's queued and in-flight messages from shared subscriptions go to other members of a
     * matching group, now that the session ends (MQTT-4.8.2-6 and the 3.1.1 equivalent).
     */
    public void redistribute(Session leaving, List<Delivery> shared, JournalBatcher batch) {
        groups.redistribute(leaving, shared, batch);
    }

    public RetainedMessages retained() {
        return retained;
    }

    /** QoS 1/2 messages not queued because a session's queue was full. */
    public long droppedCount() {
        return dropped.get();
    }

    /** What one routing decides: local targets, their journal records, relays to sessions that moved away. */
    final class Work {
        final Message m;
        final String publisherId;
        final List<Target> targets = new ArrayList<>();
        final List<Record> enqueued = new ArrayList<>();
        final Map<String, List<Forward.SessionTarget>> relays = new HashMap<>(0);
        final Predicate<Session> skip;
        Set<Session> plain = Set.of();

        Work(Message m, String publisherId, Predicate<Session> skip) {
            this.m = m;
            this.publisherId = publisherId;
            this.skip = skip;
        }

        /** The session gets the message: here, or relayed to the node it moved to; not if it has it already. */
        void add(Session s, int qos, boolean retain, boolean shared) {
            if (skip.test(s) || !s.access().mayRead(m.topic())) {
                return; // the ACL check holds for live, retained-flagged, forwarded and will messages alike
            }
            String movedTo = s.movedTo();
            if (movedTo != null) {
                if (qos > 0) {
                    relays.computeIfAbsent(movedTo, n -> new ArrayList<>(1)).add(new Forward.SessionTarget(s.clientId(), qos, retain, shared));
                }
                return;
            }
            if (qos > 0 && s.outbound().queued() >= maxQueued) {
                drop(s, m);
                return;
            }
            if (qos > 0 && s.persistent()) {
                enqueued.add(new Record.Enqueued(s.clientId(), m.id(), new Delivery(m, qos, retain, shared).journaledQos()));
            }
            targets.add(new Target(s, qos, retain, shared));
        }
    }

    /**
     * Records the message into {@code batch} with one Enqueued per persistent session it reaches, plus
     * {@code extra} records (a receipt) that must commit atomically with them, adds a forward to each other
     * node with matching subscribers, and returns the local targets. Sessions that already hold the
     * message ignore it again (E3).
     */
    public Routing route(Message m, String publisherId, JournalBatcher batch, List<Record> extra) {
        Work w = new Work(m, publisherId, NONE);
        matchPlain(w);
        ClusterRoutes c = cluster;
        boolean forwarded = false;
        if (c == null) {
            groups.deliverMatching(w);
        } else {
            forwarded = shareAndForward(c, w, batch);
            Ledger l = ledger;
            if (forwarded && l != null) {
                l.routedHere(m, w.targets);
            }
        }
        record(m, batch, extra, w.enqueued);
        return new Routing(w.targets, forwarded);
    }

    /**
     * Routes a message another node forwarded to this node's sessions only (its id here already assigned),
     * leaving out the sessions {@code skip} says already have it; matching sessions that moved away are
     * handed to {@code movedAway} with the node they moved to.
     */
    public List<Target> routeForwarded(Message m, Forward f, JournalBatcher batch, Predicate<Session> skip,
                                       BiConsumer<String, Forward> movedAway) {
        Work w = new Work(m, f.publisherId(), skip);
        if (f.plain()) {
            matchPlain(w);
        }
        passOn(groups.deliverForwarded(f.groups(), skip, w), m, f, movedAway);
        record(m, batch, List.of(), w.enqueued);
        relay(w, movedAway);
        return w.targets;
    }

    /**
     * A shared subscription's turn that came here by a route this node no longer has a member for (left by an earlier
     * life of the node, or by a member that moved away) goes on to a node that has members, through the sender: the
     * group would lose the message otherwise. Receivers drop repeats (E3).
     */
    private void passOn(List<String> noMemberHere, Message m, Forward f, BiConsumer<String, Forward> movedAway) {
        ClusterRoutes c = cluster;
        if (c == null) {
            return;
        }
        for (String group : noMemberHere) {
            String node = c.turnOf(group, false);
            if (node != null) {
                if (MessageTrace.ON) {
                    MessageTrace.step("intake: no member of " + group + " here, its turn goes on to " + node, m);
                }
                movedAway.accept(node, new Forward(m, f.publisherId(), false, List.of(group)));
            }
        }
    }

    /**
     * A message relayed for one session by the node it moved away from: queued into it like a routed one.
     * Returns false if the session cannot take it (moved on again: handed to {@code movedAway}; or its queue
     * is full).
     */
    public boolean relayInto(Session s, Message m, int qos, boolean retain, boolean shared, JournalBatcher batch,
                             BiConsumer<String, Forward> movedAway) {
        Work w = new Work(m, null, NONE);
        w.add(s, qos, retain, shared);
        record(m.withRetain(false), batch, List.of(), w.enqueued);
        relay(w, movedAway);
        return !w.targets.isEmpty();
    }

    private void matchPlain(Work w) {
        Message m = w.m;
        Map<Session, Integer> best = new HashMap<>();
        subscriptions.match(m.topic(), (s, sub) -> {
            if (sub.noLocal() && s.clientId().equals(w.publisherId)) {
                return; // MQTT-3.8.3-3
            }
            // overlapping subscriptions: one copy at the highest granted QoS (MQTT-3.3.4-2); bit 2 keeps the
            // retain flag if any of them asks for Retain As Published (MQTT-3.3.1-12, -13)
            int value = Math.min(m.qos(), sub.qos()) | (sub.retainAsPublished() && m.retain() ? 4 : 0);
            best.merge(s, value, (a, b) -> Math.max(a & 3, b & 3) | ((a | b) & 4));
        });
        for (Map.Entry<Session, Integer> e : best.entrySet()) {
            w.add(e.getKey(), e.getValue() & 3, (e.getValue() & 4) != 0, false);
        }
        w.plain = best.keySet();
    }

    /**
     * Shared subscriptions with members on other nodes take turns between nodes; every other node with a
     * matching plain subscription (all of them for a retained message) gets one forward, and sessions that
     * moved away get theirs relayed. Returns whether any forward was made.
     */
    private boolean shareAndForward(ClusterRoutes c, Work w, JournalBatcher batch) {
        Message m = w.m;
        Map<String, List<String>> remoteGroups = groups.takeTurns(c, w);
        Set<String> nodes = new HashSet<>();
        c.plainNodes(m.topic(), nodes);
        if (m.retain()) {
            nodes.addAll(c.otherNodes()); // every node keeps the retained messages (MQTT-3.3.1-5 on any node)
        }
        Set<String> plainNodes = Set.copyOf(nodes);
        nodes.addAll(remoteGroups.keySet());
        for (String node : nodes) {
            batch.forward(node, new Forward(m, w.publisherId, plainNodes.contains(node), remoteGroups.getOrDefault(node, List.of()),
                    w.relays.getOrDefault(node, List.of())));
        }
        w.relays.keySet().removeAll(nodes);
        return (!w.relays.isEmpty() && relay(w, batch::forward)) || !nodes.isEmpty();
    }

    private void record(Message m, JournalBatcher batch, List<Record> extra, List<Record> enqueued) {
        boolean retainChange = m.retain();
        if (!enqueued.isEmpty() || !extra.isEmpty() || (retainChange && m.payload().length > 0)) {
            batch.record(m.toRecord());
        }
        extra.forEach(batch::record);
        enqueued.forEach(batch::record);
        if (retainChange) {
            batch.record(m.payload().length == 0 ? new Record.RetainedCleared(m.topic()) : new Record.RetainedSet(m.topic(), m.id()));
        }
    }

    /**
     * Forwards a message (keeping its origin's identity) to every other node with matching plain subscriptions,
     * but {@code except}.
     */
    public void forwardToOthers(Message m, JournalBatcher batch, String except) {
        ClusterRoutes c = cluster;
        if (c == null) {
            return;
        }
        Set<String> nodes = new HashSet<>();
        c.plainNodes(m.topic(), nodes);
        nodes.remove(except);
        for (String node : nodes) {
            batch.forward(node, new Forward(m, null, true, List.of()));
        }
    }

    /** The shared subscriptions ({@code $share/{group}/{filter}}) matching the topic, with members here or on other nodes. */
    public Set<String> groupsMatching(String topic) {
        return groups.matching(topic, cluster);
    }

    /** Whose turn a message of the shared subscription is: another node, or null for this node. */
    public String groupTurn(String group) {
        ClusterRoutes c = cluster;
        return c == null ? null : c.turnOf(group, groups.has(group));
    }

    /** Whether a member of the shared subscription here is among {@code clientIds}. */
    public boolean groupMemberAmong(String group, Set<String> clientIds) {
        return groups.memberAmong(group, clientIds);
    }

    /** Hands over the relays no forward carried yet; returns whether there were any. */
    private boolean relay(Work w, BiConsumer<String, Forward> out) {
        w.relays.forEach((node, sessions) -> out.accept(node, new Forward(w.m.withRetain(false), w.publisherId, false, List.of(), sessions)));
        return !w.relays.isEmpty();
    }

    /** Once the route's batch is durable: the retained store changes and each target gets the message. */
    public void dispatch(Message m, List<Target> targets) {
        if (m.retain()) {
            if (m.payload().length == 0) {
                retained.clear(m.topic());
            } else {
                retained.set(m);
            }
        }
        for (Target t : targets) {
            Delivery d = new Delivery(m, t.qos(), t.retain(), t.shared());
            Session s = t.session();
            s.run(() -> {
                String movedTo = s.movedTo();
                if (movedTo == null) {
                    s.outbound().deliver(d);
                } else if (d.qos() > 0) {
                    if (MessageTrace.ON) {
                        MessageTrace.step("client " + s.clientId() + ": moved to " + movedTo + " before dispatch, relayed", m);
                    }
                    // it moved to another node between routing and now: the message follows it there
                    Ledger l = ledger;
                    if (l != null) {
                        l.notDeliveredHere(m, s.clientId());
                    }
                    s.loop().forward(movedTo, new Forward(m.withRetain(false), null, false, List.of(),
                            List.of(new Forward.SessionTarget(s.clientId(), d.qos(), d.retain(), d.shared()))));
                }
            });
        }
    }

    private void drop(Session s, Message m) {
        long n = dropped.incrementAndGet();
        long now = System.nanoTime();
        if (now - lastDropLog > DROP_LOG_INTERVAL_NANOS) {
            lastDropLog = now;
            log.warn("queue of client {} is full ({} messages): dropped message on {}; {} dropped in all",
                    s.clientId(), maxQueued, m.topic(), n);
        }
    }
}
