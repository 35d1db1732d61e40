package io.oncemq.cluster;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The configured cluster size, which split-brain protection counts a majority of, with members named by address or by name. */
class ClusterOptionsTest {

    @Test
    void thisNodeListedByAddressCountsOnce() {
        assertEquals(3, new ClusterOptions("n1", "c", "127.0.0.1", 5701,
                List.of("127.0.0.1:5701", "127.0.0.1:5702", "127.0.0.1:5703")).clusterSize());
    }

    @Test
    void thisNodeListedByAHostNameCountsOnce() {
        // as a StatefulSet lists its pods by DNS name while each binds its pod address
        assertEquals(3, new ClusterOptions("n1", "c", "127.0.0.1", 5701,
                List.of("localhost:5701", "localhost:5702", "localhost:5703")).clusterSize());
    }

    @Test
    void thisNodeNotListedIsAddedOnce() {
        assertEquals(3, new ClusterOptions("n3", "c", "127.0.0.1", 5703,
                List.of("127.0.0.1:5701", "localhost:5702")).clusterSize());
    }

    @Test
    void aNameThatDoesNotResolveIsAnotherNode() {
        assertEquals(3, new ClusterOptions("n1", "c", "127.0.0.1", 5701,
                List.of("127.0.0.1:5701", "no-such-host.invalid:5701", "127.0.0.1:5703")).clusterSize());
    }

    @Test
    void withKubernetesDiscoveryTheClusterSizeIsTheConfiguredOne() {
        assertEquals(5, new ClusterOptions("oncemq-0", "c", "10.1.0.7", 5701, List.of(), 60,
                new KubernetesDiscovery("oncemq-headless.oncemq.svc.cluster.local", 5)).clusterSize());
    }

    @Test
    void aMemberListAndKubernetesDiscoveryTogetherAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ClusterOptions("n1", "c", "127.0.0.1", 5701, List.of("127.0.0.1:5702"), 60,
                new KubernetesDiscovery("oncemq-headless", 3)));
    }
}
