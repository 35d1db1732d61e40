package io.oncemq.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.List;

/**
 * How a node joins its cluster: its name, the cluster's name, the address and port it listens on for
 * other members, and either the members to contact ({@code host:port}; its own address may be among them) or,
 * with {@code kubernetes} set and no members, Hazelcast's Kubernetes discovery.
 * {@code coldStartWaitSeconds}: how long a node restarting a whole cluster from its journal waits for the
 * configured members it has not seen yet before it decides the sessions without them.
 * {@code backupCount}: on how many other nodes each node's journal and each entry of the cluster's maps are copied
 * synchronously (fewer while the cluster has fewer other members).
 */
public record ClusterOptions(String nodeName, String clusterName, String host, int port, List<String> members,
                             int coldStartWaitSeconds, KubernetesDiscovery kubernetes, int backupCount) {

    /** The default {@code cold-start-wait}, seconds. */
    public static final int COLD_START_WAIT_SECONDS = 60;
    /** The default {@code backup-count}. */
    public static final int BACKUP_COUNT = 1;
    /** The largest {@code backup-count}: Hazelcast keeps at most 6 backups of a map entry. */
    public static final int MAX_BACKUP_COUNT = 6;

    public ClusterOptions {
        members = List.copyOf(members);
        if (kubernetes != null && !members.isEmpty()) {
            throw new IllegalArgumentException("a member list or Kubernetes discovery, not both");
        }
        if (backupCount < 1 || backupCount > MAX_BACKUP_COUNT) {
            throw new IllegalArgumentException("backup count " + backupCount + ": expected 1-" + MAX_BACKUP_COUNT);
        }
    }

    public ClusterOptions(String nodeName, String clusterName, String host, int port, List<String> members,
                          int coldStartWaitSeconds, KubernetesDiscovery kubernetes) {
        this(nodeName, clusterName, host, port, members, coldStartWaitSeconds, kubernetes, BACKUP_COUNT);
    }

    public ClusterOptions(String nodeName, String clusterName, String host, int port, List<String> members, int coldStartWaitSeconds) {
        this(nodeName, clusterName, host, port, members, coldStartWaitSeconds, null);
    }

    public ClusterOptions(String nodeName, String clusterName, String host, int port, List<String> members) {
        this(nodeName, clusterName, host, port, members, COLD_START_WAIT_SECONDS);
    }

    /** These options with {@code backupCount} copies. */
    public ClusterOptions withBackupCount(int count) {
        return new ClusterOptions(nodeName, clusterName, host, port, members, coldStartWaitSeconds, kubernetes, count);
    }

    /**
     * How many nodes the cluster is configured with: with Kubernetes discovery its {@code clusterSize}; else the
     * members listed, plus this node when its own address is not among them. A member is this node when its port
     * is this node's and its host names an address of this machine (a DNS name such as a StatefulSet pod's counts
     * as well as the address itself). Blocks on DNS.
     */
    public int clusterSize() {
        if (kubernetes != null) {
            return kubernetes.clusterSize();
        }
        for (String member : members) {
            if (isThisNode(member)) {
                return members.size();
            }
        }
        return members.size() + 1;
    }

    private boolean isThisNode(String member) {
        int colon = member.lastIndexOf(':');
        if (colon < 0 || !member.substring(colon + 1).equals(String.valueOf(port))) {
            return false;
        }
        String memberHost = member.substring(0, colon);
        if (memberHost.equals(host)) {
            return true;
        }
        try {
            InetAddress address = InetAddress.getByName(memberHost);
            InetAddress own = InetAddress.getByName(host);
            return address.equals(own) || (!own.isLoopbackAddress() && NetworkInterface.getByInetAddress(address) != null);
        } catch (IOException e) {
            return false; // a name that does not resolve (yet) is another node's
        }
    }

    /** {@code host:port} with the host resolved to its address (as members report themselves), or as given when it does not resolve. */
    public static String resolved(String member) {
        int colon = member.lastIndexOf(':');
        if (colon < 0) {
            return member;
        }
        try {
            return InetAddress.getByName(member.substring(0, colon)).getHostAddress() + member.substring(colon);
        } catch (IOException e) {
            return member;
        }
    }
}
