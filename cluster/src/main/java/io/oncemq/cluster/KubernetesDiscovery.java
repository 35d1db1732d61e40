package io.oncemq.cluster;

import com.hazelcast.config.JoinConfig;

/**
 * Joining by Hazelcast's Kubernetes discovery in DNS lookup mode: the members are the addresses that a headless
 * Service's DNS name resolves to, each at this node's cluster port. There is no member list, so {@code clusterSize}
 * says how many nodes the cluster is meant to have (the StatefulSet's replicas): split-brain protection counts a
 * majority of it and a cold start waits for that many nodes.
 */
public record KubernetesDiscovery(String serviceDns, int clusterSize) {

    public KubernetesDiscovery {
        if (serviceDns == null || serviceDns.isBlank() || clusterSize < 1) {
            throw new IllegalArgumentException("a service DNS name and a cluster size of at least 1: " + serviceDns + ", " + clusterSize);
        }
    }

    /** Hazelcast's own properties of the mode (KubernetesProperties): DNS lookup, no Kubernetes API, so no RBAC. */
    void configure(JoinConfig join, int port) {
        join.getKubernetesConfig().setEnabled(true)
                .setProperty("service-dns", serviceDns)
                .setProperty("service-port", String.valueOf(port));
    }
}
