package io.oncemq.cluster;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three real Hazelcast members: the fence holds while a majority answers its probes, and a node left alone
 * stops serving at once when its lease runs out and is fenced after the confirm wait. (A paused node JVM:
 * ClusterPauseTest in the broker module.)
 */
class FenceTest {

    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void leave() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    private List<Membership> threeNodes() throws IOException {
        int[] ports = {FreePort.next(), FreePort.next(), FreePort.next()};
        List<String> members = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1], "127.0.0.1:" + ports[2]);
        String cluster = "fence-" + Long.toHexString(System.nanoTime());
        List<Membership> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Membership m = Membership.join(new ClusterOptions("f" + i, cluster, "127.0.0.1", ports[i], members));
            started.add(m);
            nodes.add(m);
        }
        return nodes;
    }

    @Test
    void aNodeLeftWithoutAMajorityStopsServingThenIsFenced() throws Exception {
        List<Membership> nodes = threeNodes();
        assertNull(Fence.start(nodes.get(0), 2, () -> { }), "two nodes have no fence");
        CountDownLatch fenced = new CountDownLatch(1);
        Fence fence = Fence.start(nodes.get(0), 3, fenced::countDown);
        started.add(fence);
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Fence.LEASE_MILLIS * 2);
        while (System.nanoTime() < until) {
            assertTrue(fence.serving(), "a majority answers: the lease holds past its first term");
            assertFalse(fenced.await(100, TimeUnit.MILLISECONDS), "not fenced while a majority answers");
        }
        nodes.get(1).close();
        assertTrue(fence.serving(), "two of three are still a majority");
        nodes.get(2).close();
        long lapsedBy = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Fence.LEASE_MILLIS + 2_000);
        while (fence.serving()) {
            assertTrue(System.nanoTime() < lapsedBy, "alone, the lease runs out");
            assertFalse(fenced.await(50, TimeUnit.MILLISECONDS), "not fenced before the lease ran out");
        }
        assertTrue(fenced.await(Fence.CONFIRM_WAIT_MILLIS + 3_000, TimeUnit.MILLISECONDS), "fenced once no majority confirms it");
        assertFalse(fence.serving());
    }

    @Test
    void anAdopterWaitsOutEveryLeaseTheOthersGrantedTheNodeThatLeftAndAMinorityAdoptsNobody() throws Exception {
        List<Membership> nodes = threeNodes();
        List<Fence> fences = new ArrayList<>();
        for (Membership m : nodes) {
            Fence f = Fence.start(m, 3, () -> { });
            started.add(f);
            fences.add(f);
        }
        // f0 probes every 500 ms and f1, f2 confirm it: each answer lets it serve LEASE_MILLIS from its round's start
        long confirmedFor = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Fence.LEASE_MILLIS);
        while (System.nanoTime() < confirmedFor) {
            assertTrue(fences.get(0).serving());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        fences.get(0).close();
        long lastRound = System.nanoTime(); // f0's last probe round started at most one interval before this
        nodes.get(0).close();
        assertTrue(fences.get(1).leaseOver("f0").get(Fence.LEASE_MILLIS + 3_000, TimeUnit.MILLISECONDS), "two of three adopt");
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastRound);
        assertTrue(waited >= Fence.LEASE_MILLIS - 500, "f0 may serve up to " + Fence.LEASE_MILLIS + " ms after the grant of "
                + "its last round, which started at most 500 ms before it stopped; the adopter waited only " + waited + " ms");

        nodes.get(2).close();
        long leftAt = System.nanoTime();
        while (nodes.get(1).hazelcast().getCluster().getMembers().size() > 1) {
            assertTrue(System.nanoTime() - leftAt < TimeUnit.SECONDS.toNanos(30), "f2 left f1's view");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        assertFalse(fences.get(1).leaseOver("f2").get(5, TimeUnit.SECONDS), "a node alone out of three adopts nobody");
    }
}
