package io.oncemq.broker.session;

import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.qos.OutboundFlow.Delivery;
import io.oncemq.broker.retain.RetainedMessages;
import io.oncemq.broker.topic.SharedGroup;
import io.oncemq.broker.topic.Subscription;
import io.oncemq.broker.topic.TopicTree;
import io.oncemq.broker.topic.Topics;
import io.oncemq.journal.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Routes accepted messages to the sessions whose subscriptions match: records what must be durable
 * (the message, its queue entries, the retained change) in the publisher's batch, and hands the
 * message to each session once that batch is durable.
 */
public final class PostOffice {

    private static final Logger log = LoggerFactory.getLogger(PostOffice.class);
    private static final long DROP_LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final TopicTree<Session> subscriptions;
    private final TopicTree<SharedGroup<Session>> sharedSubscriptions = new TopicTree<>();
    private final Map<String, SharedGroup<Session>> groups = new java.util.concurrent.ConcurrentHashMap<>();
    private final RetainedMessages retained;
    private final AtomicLong messageIds;
    private final int maxQueued;
    private final AtomicLong dropped = new AtomicLong();
    private volatile long lastDropLog;

    /** A session a message goes to, at the QoS and with the retain flag it is delivered with. */
    public record Target(Session session, int qos, boolean retain, boolean shared) {
    }

    public PostOffice(TopicTree<Session> subscriptions, RetainedMessages retained, long lastMessageId, int maxQueued) {
        this.subscriptions = subscriptions;
        this.retained = retained;
        this.messageIds = new AtomicLong(lastMessageId);
        this.maxQueued = maxQueued;
    }

    public long nextMessageId() {
        return messageIds.incrementAndGet();
    }

    /** Adds or replaces a subscription of the session: a plain filter, or {@code $share/{group}/{filter}}. */
    public void subscribe(Session s, String filter, Subscription sub) {
        String[] shared = SharedGroup.parse(filter);
        if (shared == null) {
            subscriptions.subscribe(filter, s, sub);
            return;
        }
        synchronized (groups) {
            SharedGroup<Session> g = groups.computeIfAbsent(filter, f -> {
                SharedGroup<Session> created = new SharedGroup<>(shared[0], shared[1]);
                sharedSubscriptions.subscribe(shared[1], created, sub);
                return created;
            });
            g.members().put(s, sub);
        }
    }

    public void unsubscribe(Session s, String filter) {
        String[] shared = SharedGroup.parse(filter);
        if (shared == null) {
            subscriptions.unsubscribe(filter, s);
            return;
        }
        synchronized (groups) {
            SharedGroup<Session> g = groups.get(filter);
            if (g != null && g.members().remove(s) != null && g.members().isEmpty()) {
                groups.remove(filter);
                sharedSubscriptions.unsubscribe(shared[1], g);
            }
        }
    }

    /**
     * The session's queued and in-flight messages from shared subscriptions go to other members of a
     * matching group, now that the session ends (MQTT-4.8.2-6 and the 3.1.1 equivalent).
     */
    public void redistribute(Session leaving, List<Delivery> shared, JournalBatcher batch) {
        for (Delivery d : shared) {
            for (Map.Entry<String, Subscription> e : leaving.subscriptions().entrySet()) {
                SharedGroup<Session> g = groups.get(e.getKey());
                if (g == null || !Topics.matches(g.filter(), d.message().topic())) {
                    continue;
                }
                Session next = g.pick(s -> s.outlet() != null, s -> s == leaving);
                if (next != null) {
                    Delivery moved = new Delivery(d.message(), d.qos(), d.retain(), true);
                    if (next.persistent()) {
                        batch.record(d.message().toRecord());
                        batch.record(new Record.Enqueued(next.clientId(), d.message().id(), moved.journaledQos()));
                    }
                    batch.then(() -> next.run(() -> next.outbound().deliver(moved)));
                }
                break;
            }
        }
    }

    public RetainedMessages retained() {
        return retained;
    }

    /** QoS 1/2 messages not queued because a session's queue was full. */
    public long droppedCount() {
        return dropped.get();
    }

    /**
     * Records the message into {@code batch} with one Enqueued per persistent session it reaches, plus
     * {@code extra} records (a receipt) that must commit atomically with them, and returns the targets.
     * Sessions that already hold the message ignore it again (E3).
     */
    public List<Target> route(Message m, String publisherId, JournalBatcher batch, List<Record> extra) {
        Map<Session, Integer> best = new HashMap<>();
        subscriptions.match(m.topic(), (s, sub) -> {
            if (sub.noLocal() && s.clientId().equals(publisherId)) {
                return; // MQTT-3.8.3-3
            }
            // overlapping subscriptions: one copy at the highest granted QoS (MQTT-3.3.4-2); bit 2 keeps the
            // retain flag if any of them asks for Retain As Published (MQTT-3.3.1-12, -13)
            int value = Math.min(m.qos(), sub.qos()) | (sub.retainAsPublished() && m.retain() ? 4 : 0);
            best.merge(s, value, (a, b) -> Math.max(a & 3, b & 3) | ((a | b) & 4));
        });
        List<Target> targets = new ArrayList<>(best.size());
        List<Record> enqueued = new ArrayList<>();
        for (Map.Entry<Session, Integer> e : best.entrySet()) {
            Session s = e.getKey();
            int qos = e.getValue() & 3;
            boolean retain = (e.getValue() & 4) != 0;
            if (qos > 0 && s.outbound().queued() >= maxQueued) {
                drop(s, m);
                continue;
            }
            Target t = new Target(s, qos, retain, false);
            if (qos > 0 && s.persistent()) {
                enqueued.add(new Record.Enqueued(s.clientId(), m.id(), new Delivery(m, qos, retain).journaledQos()));
            }
            targets.add(t);
        }
        // each matching shared subscription: one member gets it (MQTT-4.8.2-3)
        sharedSubscriptions.match(m.topic(), (g, ignored) -> {
            Session s = g.pick(member -> member.outlet() != null, member -> best.containsKey(member));
            if (s == null) {
                return;
            }
            Subscription sub = g.members().get(s);
            int qos = Math.min(m.qos(), sub == null ? 0 : sub.qos());
            boolean retain = sub != null && sub.retainAsPublished() && m.retain();
            if (qos > 0 && s.outbound().queued() >= maxQueued) {
                drop(s, m);
                return;
            }
            if (qos > 0 && s.persistent()) {
                enqueued.add(new Record.Enqueued(s.clientId(), m.id(), new Delivery(m, qos, retain, true).journaledQos()));
            }
            targets.add(new Target(s, qos, retain, true));
        });
        boolean retainChange = m.retain();
        if (!enqueued.isEmpty() || !extra.isEmpty() || (retainChange && m.payload().length > 0)) {
            batch.record(m.toRecord());
        }
        extra.forEach(batch::record);
        enqueued.forEach(batch::record);
        if (retainChange) {
            batch.record(m.payload().length == 0 ? new Record.RetainedCleared(m.topic()) : new Record.RetainedSet(m.topic(), m.id()));
        }
        return targets;
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
            t.session().run(() -> t.session().outbound().deliver(d));
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
