package io.oncemq.cluster;

import com.hazelcast.cluster.InitialMembershipEvent;
import com.hazelcast.cluster.InitialMembershipListener;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * This node's place in the cluster: an embedded Hazelcast member that joins the listed members over TCP-IP,
 * or those Hazelcast's Kubernetes discovery finds by DNS lookup ({@link KubernetesDiscovery}); never multicast,
 * never auto-detection, never the internet. It logs one line per member that
 * joins or leaves. The route table and forwards between nodes run on it ({@link RouteTable}, {@link NodeCalls}, {@link Owners}).
 */
public final class Membership implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Membership.class);
    /** The member attribute that carries the OnceMQ node name. */
    static final String NODE = "oncemq.node";
    /** Seconds without a heartbeat before a member is declared dead. */
    private static final int HEARTBEAT_TIMEOUT_SECONDS = 10;
    /** How long leaving the cluster waits for backups to move before the member terminates. */
    public static final int LEAVE_WAIT_SECONDS = 3;
    /** How often a member alone looks for the rest of its cluster (Hazelcast's split-brain merge); a system property of the same name overrides it. */
    static final int MERGE_SEARCH_SECONDS = 30;

    private final HazelcastInstance hazelcast;
    private final String nodeName;
    private final int backupCount;
    private final List<Consumer<String>> joinListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> leaveListeners = new CopyOnWriteArrayList<>();
    /** The member id of each node's last life that ended, by node name. */
    private final Map<String, String> departed = new ConcurrentHashMap<>();
    /** The member id of each node's last life this node saw in the cluster (at its join, or joining later), by node name. */
    private final Map<String, String> seen = new ConcurrentHashMap<>();

    private Membership(HazelcastInstance hazelcast, String nodeName, int backupCount) {
        this.hazelcast = hazelcast;
        this.nodeName = nodeName;
        this.backupCount = backupCount;
    }

    /** Starts the member and returns once it has joined (or formed) the cluster; blocks: call it off any event loop. */
    public static Membership join(ClusterOptions options) {
        Membership m = new Membership(Hazelcast.newHazelcastInstance(config(options)), options.nodeName(), options.backupCount());
        m.hazelcast.getCluster().addMembershipListener(new InitialMembershipListener() {
            @Override
            public void init(InitialMembershipEvent e) {
                e.getMembers().forEach(member -> m.seen.put(name(member), member.getUuid().toString()));
            }

            @Override
            public void memberAdded(MembershipEvent e) {
                m.seen.put(name(e.getMember()), e.getMember().getUuid().toString());
                log.info("cluster {}: node {} joined; members {}", options.clusterName(), name(e.getMember()), m.nodes());
                tell(m.joinListeners, name(e.getMember()));
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                log.warn("cluster {}: node {} left; members {}", options.clusterName(), name(e.getMember()), m.nodes());
                m.departed.put(name(e.getMember()), e.getMember().getUuid().toString());
                tell(m.leaveListeners, name(e.getMember()));
            }
        });
        log.info("node {} in cluster {} on {}:{}, joined by {}; members {}", options.nodeName(), options.clusterName(), options.host(),
                options.port(), options.kubernetes() == null ? "the member list"
                        : "Kubernetes discovery (DNS lookup of " + options.kubernetes().serviceDns() + ")", m.nodes());
        return m;
    }

    /** The Hazelcast configuration of the member {@code options} describe. */
    static Config config(ClusterOptions options) {
        Config config = new Config().setClusterName(options.clusterName()).setInstanceName("oncemq-" + options.nodeName());
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        // the node stops the member itself, after its listeners and journal (Node.stop)
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        // a graceful leave waits this long at most for its partitions' backups to move, also towards a dead peer (Node.stop's bound)
        config.setProperty("hazelcast.graceful.shutdown.max.wait", String.valueOf(LEAVE_WAIT_SECONDS));
        // a member silent this long is out: its sessions are adopted from their copies (a SIGSTOPped node too)
        config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(HEARTBEAT_TIMEOUT_SECONDS));
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        // a member that formed a cluster alone (started cut off) looks for the others this often once it can reach them, and
        // its merge into theirs fences it (Fence): 30 s instead of Hazelcast's 300 s first, 120 s after
        for (String merge : List.of("hazelcast.merge.first.run.delay.seconds", "hazelcast.merge.next.run.delay.seconds")) {
            config.setProperty(merge, System.getProperty(merge, String.valueOf(MERGE_SEARCH_SECONDS)));
        }
        config.getMemberAttributeConfig().setAttribute(NODE, options.nodeName());
        // owners, adoptions, copy holders, routes: each entry on as many other members as each journal (synchronously)
        config.addMapConfig(new MapConfig("oncemq.*").setBackupCount(options.backupCount()).setAsyncBackupCount(0));
        NodeCalls.configure(config);
        Fence.configure(config);
        NetworkConfig network = config.getNetworkConfig().setPort(options.port()).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface(options.host());
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (options.kubernetes() != null) {
            options.kubernetes().configure(join, options.port());
        } else {
            join.getTcpIpConfig().setEnabled(true).setMembers(options.members());
        }
        return config;
    }

    /** Each listener hears of the node, also when one before it fails (a failure would skip an adoption). */
    private static void tell(List<Consumer<String>> listeners, String node) {
        for (Consumer<String> l : listeners) {
            try {
                l.accept(node);
            } catch (RuntimeException e) {
                log.error("a listener failed on a membership change of node {}", node, e);
            }
        }
    }

    /** The names of the nodes in the cluster now, this one included, oldest first. */
    public List<String> nodes() {
        return hazelcast.getCluster().getMembers().stream().map(Membership::name).toList();
    }

    /** Calls {@code listener} (on a Hazelcast thread) with the name of each node that joins from now on. */
    public void onJoin(Consumer<String> listener) {
        joinListeners.add(listener);
    }

    /** Calls {@code listener} (on a Hazelcast thread) with the name of each node that leaves or is declared dead. */
    public void onLeave(Consumer<String> listener) {
        leaveListeners.add(listener);
    }

    /**
     * The nodes that keep copies of this node's journal: the {@code backup-count} names after this one in the sorted
     * member list (fewer while the cluster has fewer other members; none for a node alone). Every node computes the
     * same ring, so the copies of a node that dies are where its successors look, the first live one adopting it.
     */
    public List<String> copyHolders() {
        List<String> names = new ArrayList<>(nodes());
        Collections.sort(names);
        int self = names.indexOf(nodeName);
        List<String> holders = new ArrayList<>();
        for (int i = 1; i <= Math.min(backupCount, names.size() - 1); i++) {
            holders.add(names.get((self + i) % names.size()));
        }
        return holders;
    }

    /** The first of {@code names} that is in the cluster now, or null. */
    public String firstMember(List<String> names) {
        for (String n : names) {
            if (isMember(n)) {
                return n;
            }
        }
        return null;
    }

    /**
     * The member id the named node had in its last life that ended (left or declared dead), or null if none
     * ended since this node joined. An adoption is of one life: a node restarting under the same name is a new
     * life, and what was adopted from its earlier one says nothing about where its later sessions went.
     */
    public String departedLife(String node) {
        String last = seen.get(node);
        if (last != null && !last.equals(lifeOf(node))) {
            // gone from the member list (or there in a new life) before its leave event reached this node: a claim
            // or forward in between must not take an adoption of an earlier life for one of this life
            return last;
        }
        return departed.get(node);
    }

    /** This node's name. */
    public String nodeName() {
        return nodeName;
    }

    /** The member of the named node, or null when it is not in the cluster now. */
    Member member(String node) {
        for (Member m : hazelcast.getCluster().getMembers()) {
            if (node.equals(name(m))) {
                return m;
            }
        }
        return null;
    }

    /** The member id of the named node's life now, or null when it is not in the cluster. */
    public String lifeOf(String node) {
        Member m = member(node);
        return m == null ? null : m.getUuid().toString();
    }

    /** Whether the named node is in the cluster now. */
    public boolean isMember(String node) {
        return member(node) != null;
    }

    HazelcastInstance hazelcast() {
        return hazelcast;
    }

    private static String name(Member m) {
        String name = m.getAttribute(NODE);
        return name == null ? m.getAddress().toString() : name;
    }

    /** Leaves the cluster, within {@link #LEAVE_WAIT_SECONDS} and a little (then the member terminates). */
    @Override
    public void close() {
        hazelcast.shutdown();
    }
}
