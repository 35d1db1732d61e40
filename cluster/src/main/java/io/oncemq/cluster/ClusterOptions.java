package io.oncemq.cluster;

import java.util.List;

/**
 * How a node joins its cluster: its name, the cluster's name, the address and port it listens on for
 * other members, and the members to contact ({@code host:port}; its own address may be among them).
 * {@code coldStartWaitSeconds}: how long a node restarting a whole cluster from its journal waits for the
 * listed members it has not seen yet before it decides the sessions without them.
 */
public record ClusterOptions(String nodeName, String clusterName, String host, int port, List<String> members,
                             int coldStartWaitSeconds) {

    /** The default {@code cold-start-wait}, seconds. */
    public static final int COLD_START_WAIT_SECONDS = 60;

    public ClusterOptions {
        members = List.copyOf(members);
    }

    public ClusterOptions(String nodeName, String clusterName, String host, int port, List<String> members) {
        this(nodeName, clusterName, host, port, members, COLD_START_WAIT_SECONDS);
    }

    /** How many nodes the cluster is configured with: the members listed, plus this node when its own address is not among them. */
    public int clusterSize() {
        return members.contains(host + ":" + port) ? members.size() : members.size() + 1;
    }
}
