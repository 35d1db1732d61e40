package io.oncemq.cluster;

import java.util.List;

/**
 * How a node joins its cluster: its name, the cluster's name, the address and port it listens on for
 * other members, and the members to contact ({@code host:port}; its own address may be among them).
 */
public record ClusterOptions(String nodeName, String clusterName, String host, int port, List<String> members) {

    public ClusterOptions {
        members = List.copyOf(members);
    }

    /** How many nodes the cluster is configured with: the members listed, plus this node when its own address is not among them. */
    public int clusterSize() {
        return members.contains(host + ":" + port) ? members.size() : members.size() + 1;
    }
}
