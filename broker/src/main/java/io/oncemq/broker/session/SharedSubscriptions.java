package io.oncemq.broker.session;

import io.oncemq.broker.cluster.ClusterRoutes;
import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.qos.OutboundFlow.Delivery;
import io.oncemq.broker.topic.SharedGroup;
import io.oncemq.broker.topic.Subscription;
import io.oncemq.broker.topic.TopicTree;
import io.oncemq.broker.topic.Topics;
import io.oncemq.journal.Record;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/** This node's shared subscriptions ({@code $share/{group}/{filter}}) and which member of a group gets a message. */
final class SharedSubscriptions {

    private final TopicTree<SharedGroup<Session>> sharedSubscriptions = new TopicTree<>();
    private final Map<String, SharedGroup<Session>> groups = new ConcurrentHashMap<>();

    /** Adds or replaces the session's membership of group {@code filter} ({@code shared}: its name and filter); true if new. */
    boolean subscribe(Session s, String filter, String[] shared, Subscription sub) {
        synchronized (groups) {
            SharedGroup<Session> g = groups.computeIfAbsent(filter, f -> {
                SharedGroup<Session> created = new SharedGroup<>(shared[0], shared[1]);
                sharedSubscriptions.subscribe(shared[1], created, sub);
                return created;
            });
            return g.members().put(s, sub) == null;
        }
    }

    /** Removes the session from group {@code filter}, and the group once it has no member; true if it was a member. */
    boolean unsubscribe(Session s, String filter, String[] shared) {
        boolean removed = false;
        synchronized (groups) {
            SharedGroup<Session> g = groups.get(filter);
            if (g != null && g.members().remove(s) != null) {
                removed = true;
                if (g.members().isEmpty()) {
                    groups.remove(filter);
                    sharedSubscriptions.unsubscribe(shared[1], g);
                }
            }
        }
        return removed;
    }

    /** See {@link PostOffice#redistribute}. */
    void redistribute(Session leaving, List<Delivery> shared, JournalBatcher batch) {
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

    /** Each matching group here gets the message (no cluster). */
    void deliverMatching(PostOffice.Work w) {
        sharedSubscriptions.match(w.m.topic(), (g, ignored) -> deliver(g, w));
    }

    /**
     * The groups a forward names get the message, unless {@code skip} says a member here already has it; returns the
     * named groups with no member here (empty, not allocated, when every one has).
     */
    List<String> deliverForwarded(List<String> keys, Predicate<Session> skip, PostOffice.Work w) {
        List<String> noMemberHere = List.of();
        for (String group : keys) {
            SharedGroup<Session> g = groups.get(group);
            if (g == null) {
                if (noMemberHere.isEmpty()) {
                    noMemberHere = new ArrayList<>(1);
                }
                noMemberHere.add(group);
            } else if (skip == PostOffice.NONE || !anyMember(g, skip)) {
                // a repeat of the forward: the group has it if any member got it (the next turn may pick another)
                deliver(g, w);
            }
        }
        return noMemberHere;
    }

    /**
     * Shared subscriptions with members on other nodes take turns between nodes: the groups whose turn is here get
     * the message; returns the groups whose turn is on another node, by node.
     */
    Map<String, List<String>> takeTurns(ClusterRoutes c, PostOffice.Work w) {
        Message m = w.m;
        Map<String, List<String>> remoteGroups = new HashMap<>();
        c.sharedTurns(m.topic(), groups::containsKey, (group, node) -> {
            if (node != null) {
                remoteGroups.computeIfAbsent(node, n -> new ArrayList<>(1)).add(group);
                return;
            }
            SharedGroup<Session> g = groups.get(group);
            if (g != null) {
                deliver(g, w);
            }
        });
        sharedSubscriptions.match(m.topic(), (g, ignored) -> {
            if (!c.sharedElsewhere(g.key())) {
                deliver(g, w);
            }
        });
        return remoteGroups;
    }

    /** One member of a matching shared subscription gets the message (MQTT-4.8.2-3). */
    private void deliver(SharedGroup<Session> g, PostOffice.Work w) {
        // a member that may not read the topic is passed over, so another member of the group gets it
        Session s = g.pick(member -> member.outlet() != null, member -> w.plain.contains(member) || !member.access().mayRead(w.m.topic()));
        if (s == null) {
            return;
        }
        Subscription sub = g.members().get(s);
        int qos = Math.min(w.m.qos(), sub == null ? 0 : sub.qos());
        boolean retain = sub != null && sub.retainAsPublished() && w.m.retain();
        w.add(s, qos, retain, true);
    }

    /** See {@link PostOffice#groupsMatching}. */
    Set<String> matching(String topic, ClusterRoutes c) {
        Set<String> out = new HashSet<>(2);
        sharedSubscriptions.match(topic, (g, ignored) -> out.add(g.key()));
        if (c != null) {
            c.sharedGroups(topic, out);
        }
        return out;
    }

    /** Whether the group has a member here. */
    boolean has(String group) {
        return groups.containsKey(group);
    }

    /** See {@link PostOffice#groupMemberAmong}. */
    boolean memberAmong(String group, Set<String> clientIds) {
        SharedGroup<Session> g = groups.get(group);
        return g != null && anyMember(g, s -> clientIds.contains(s.clientId()));
    }

    private static boolean anyMember(SharedGroup<Session> g, Predicate<Session> p) {
        return g.members().keySet().stream().anyMatch(p);
    }
}
