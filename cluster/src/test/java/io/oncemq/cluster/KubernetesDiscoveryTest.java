package io.oncemq.cluster;

import com.hazelcast.config.JoinConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Hazelcast join a node configures: Kubernetes discovery by DNS lookup at the cluster port and no other way in,
 * or the member list by TCP-IP and no discovery. (Members really joining by DNS lookup: KubernetesDiscoveryJoinTest
 * in the broker module.)
 */
class KubernetesDiscoveryTest {

    @Test
    void withKubernetesDiscoveryTheMemberJoinsOnlyByDnsLookupOfTheServiceAtItsClusterPort() {
        JoinConfig join = Membership.config(new ClusterOptions("oncemq-0", "c", "10.1.0.7", 5801, List.of(), 60,
                new KubernetesDiscovery("oncemq-headless.oncemq.svc.cluster.local", 3))).getNetworkConfig().getJoin();
        assertTrue(join.getKubernetesConfig().isEnabled());
        assertEquals(Map.of("service-dns", "oncemq-headless.oncemq.svc.cluster.local", "service-port", "5801"),
                join.getKubernetesConfig().getProperties(), "DNS lookup mode: no service-name, so no Kubernetes API and no RBAC");
        assertFalse(join.getTcpIpConfig().isEnabled());
        assertFalse(join.getMulticastConfig().isEnabled());
        assertFalse(join.getAutoDetectionConfig().isEnabled());
    }

    @Test
    void withAMemberListTheMemberJoinsOnlyByTcpIp() {
        JoinConfig join = Membership.config(new ClusterOptions("n1", "c", "127.0.0.1", 5701, List.of("127.0.0.1:5701", "127.0.0.1:5702")))
                .getNetworkConfig().getJoin();
        assertTrue(join.getTcpIpConfig().isEnabled());
        assertEquals(List.of("127.0.0.1:5701", "127.0.0.1:5702"), join.getTcpIpConfig().getMembers());
        assertFalse(join.getKubernetesConfig().isEnabled());
        assertFalse(join.getMulticastConfig().isEnabled());
        assertFalse(join.getAutoDetectionConfig().isEnabled());
    }
}
