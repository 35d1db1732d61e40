package io.oncemq.broker.cluster;

import io.oncemq.broker.topic.SharedGroup;
import io.oncemq.broker.topic.Subscription;
import io.oncemq.broker.topic.TopicTree;
import io.oncemq.cluster.Membership;
import io.oncemq.cluster.RouteTable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * This node's mirror of the cluster's route table, matched locally on every PUBLISH: which other nodes
 * have plain subscriptions for a topic, and which node's turn it is in each matching shared subscription.
 * Announces this node's own filters through the {@link RouteTable}.
 */
public final class ClusterRoutes implements RouteTable.Listener {

    private static final Subscription ANY = new Subscription(0, 0);

    private final String self;
    private final Membership membership;
    private final TopicTree<String> plain = new TopicTree<>();
    /** Shared subscriptions by their filter; the subscriber is the whole {@code $share/{group}/{filter}}. */
    private final TopicTree<String> shared = new TopicTree<>();
    /** Per {@code $share/{group}/{filter}}, the other nodes with members, copied on write. */
    private final Map<String, String[]> groupNodes = new ConcurrentHashMap<>();
    private final AtomicInteger turn = new AtomicInteger();
    private volatile RouteTable table;

    public ClusterRoutes(Membership membership) {
        this.self = membership.nodeName();
        this.membership = membership;
    }

    /** Starts announcing this node's filters; call once the table mirrors into this object. */
    public void announceThrough(RouteTable table) {
        this.table = table;
    }

    /** One of this node's sessions subscribed to the filter (plain or shared) for the first time. */
    public void subscribed(String filter) {
        table.add(filter);
    }

    public void unsubscribed(String filter) {
        table.remove(filter);
    }

    @Override
    public synchronized void added(String node, String filter) {
        if (node.equals(self)) {
            return; // this node routes to its own sessions directly
        }
        String[] share = SharedGroup.parse(filter);
        if (share == null) {
            plain.subscribe(filter, node, ANY);
            return;
        }
        String[] nodes = groupNodes.get(filter);
        if (nodes == null) {
            groupNodes.put(filter, new String[]{node});
            shared.subscribe(share[1], filter, ANY);
        } else if (!Arrays.asList(nodes).contains(node)) {
            String[] more = Arrays.copyOf(nodes, nodes.length + 1);
            more[nodes.length] = node;
            Arrays.sort(more);
            groupNodes.put(filter, more);
        }
    }

    @Override
    public synchronized void removed(String node, String filter) {
        if (node.equals(self)) {
            return;
        }
        String[] share = SharedGroup.parse(filter);
        if (share == null) {
            plain.unsubscribe(filter, node);
            return;
        }
        String[] nodes = groupNodes.get(filter);
        if (nodes == null) {
            return;
        }
        List<String> rest = new ArrayList<>(Arrays.asList(nodes));
        rest.remove(node);
        if (rest.isEmpty()) {
            groupNodes.remove(filter);
            shared.unsubscribe(share[1], filter);
        } else {
            groupNodes.put(filter, rest.toArray(String[]::new));
        }
    }

    /** Whether other nodes have members of the shared subscription {@code $share/{group}/{filter}}. */
    public boolean sharedElsewhere(String group) {
        return groupNodes.containsKey(group);
    }

    /** Adds to {@code out} the other nodes with a plain subscription matching the topic. */
    public void plainNodes(String topic, Set<String> out) {
        plain.match(topic, (node, sub) -> out.add(node));
    }

    /** The other nodes in the cluster now (a retained message goes to all of them). */
    public List<String> otherNodes() {
        List<String> nodes = new ArrayList<>(membership.nodes());
        nodes.remove(self);
        return nodes;
    }

    /**
     * For each shared subscription matching the topic that has members on other nodes, whose turn this
     * message is: {@code out} gets the group and a node, or null for this node. {@code localMembers} says
     * whether this node has members of a group; groups with members only here are not reported.
     */
    public void sharedTurns(String topic, java.util.function.Predicate<String> localMembers, BiConsumer<String, String> out) {
        shared.match(topic, (group, sub) -> {
            if (groupNodes.containsKey(group)) {
                out.accept(group, turnOf(group, localMembers.test(group)));
            }
        });
    }

    /**
     * Whose turn the next message of the shared subscription is: another node with members, or null for this
     * node ({@code here}: it has members; null too if no other node has any).
     */
    public String turnOf(String group, boolean here) {
        String[] nodes = groupNodes.get(group);
        if (nodes == null) {
            return null;
        }
        int pick = Math.floorMod(turn.getAndIncrement(), nodes.length + (here ? 1 : 0));
        return pick == nodes.length ? null : nodes[pick];
    }

    /** Adds to {@code out} the shared subscriptions matching the topic that have members on other nodes. */
    public void sharedGroups(String topic, Set<String> out) {
        shared.match(topic, (group, sub) -> out.add(group));
    }
}
