package io.oncemq.cluster;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With Kubernetes discovery no member list says whom a cold start waits for: it waits for {@code cluster-size} nodes,
 * counted by name. Real Hazelcast members on 127.0.0.1; they meet by TCP-IP here, since what they join by is not
 * what is tested (KubernetesDiscoveryJoinTest in the broker module joins by DNS lookup).
 */
class ColdStartClusterSizeTest {

    private static final int WAIT_SECONDS = 1;

    private final List<Membership> started = new ArrayList<>();
    private final List<HazelcastInstance> lives = new ArrayList<>();
    private final String cluster = "coldsize-" + Long.toHexString(System.nanoTime());
    private int firstPort;

    @AfterEach
    void leave() {
        lives.forEach(HazelcastInstance::shutdown);
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    /** A member named {@code name} that finds the cluster through the first member. */
    private Membership join(String name) throws IOException {
        int port = FreePort.next();
        if (started.isEmpty()) {
            firstPort = port;
        }
        Membership m = Membership.join(new ClusterOptions(name, cluster, "127.0.0.1", port, List.of("127.0.0.1:" + firstPort)));
        started.add(m);
        return m;
    }

    /** Waits until {@code m} sees {@code count} members, re-checked whenever a node joins. */
    private static void awaitMembers(Membership m, int count) throws InterruptedException {
        CountDownLatch met = new CountDownLatch(1);
        Consumer<String> check = node -> {
            if (m.nodes().size() >= count) {
                met.countDown();
            }
        };
        m.onJoin(check);
        check.accept(null);
        assertTrue(met.await(30, TimeUnit.SECONDS), "timed out waiting for " + count + " members: " + m.nodes());
    }

    @Test
    void aColdStartWaitsForClusterSizeNodesAndCountsTwoLivesOfANodeOnce() throws Exception {
        Membership a = join("a");
        join("b");
        awaitMembers(a, 2);
        ColdStart start = ColdStart.open(a, new ClusterOptions("a", cluster, "127.0.0.1", firstPort, List.of(), WAIT_SECONDS,
                new KubernetesDiscovery("oncemq-headless", 3)));
        assertTrue(start.cold(), "nobody served from this cluster yet");
        assertFalse(start.allConfiguredHere(), "2 of cluster-size 3");
        long t0 = System.nanoTime();
        start.awaitConfiguredMembers();
        assertTrue(System.nanoTime() - t0 >= TimeUnit.SECONDS.toNanos(WAIT_SECONDS), "waited cold-start-wait for the third node");

        // b's next life, while its last one is still a member (not yet declared dead); the same configuration under
        // another Hazelcast instance name, which must be unique in one JVM
        int port = FreePort.next();
        lives.add(Hazelcast.newHazelcastInstance(Membership.config(new ClusterOptions("b", cluster, "127.0.0.1", port,
                List.of("127.0.0.1:" + firstPort))).setInstanceName("oncemq-b-next")));
        awaitMembers(a, 3);
        assertFalse(start.allConfiguredHere(), "two lives of b are one node: still 2 of 3 " + a.nodes());

        join("c");
        awaitMembers(a, 4);
        assertTrue(start.allConfiguredHere(), "a, b and c: cluster-size reached " + a.nodes());
        t0 = System.nanoTime();
        start.awaitConfiguredMembers();
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(WAIT_SECONDS), "no wait once cluster-size nodes are here");
    }
}
