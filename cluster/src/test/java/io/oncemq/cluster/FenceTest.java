package io.oncemq.cluster;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    private List<String> members;
    private String cluster;

    @BeforeEach
    void addresses() throws IOException {
        members = List.of("127.0.0.1:" + FreePort.next(), "127.0.0.1:" + FreePort.next(), "127.0.0.1:" + FreePort.next());
        cluster = "fence-" + Long.toHexString(System.nanoTime());
    }

    /** Member f{i} of the three listed, joined now. */
    private Membership join(int i) {
        return join(i, members);
    }

    /** Member f{i}, joined now by the member list {@code list}. */
    private Membership join(int i, List<String> list) {
        String address = members.get(i);
        Membership m = Membership.join(new ClusterOptions("f" + i, cluster, "127.0.0.1",
                Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)), list));
        synchronized (started) {
            started.add(m);
        }
        return m;
    }

    private List<Membership> threeNodes() {
        return List.of(join(0), join(1), join(2));
    }

    /**
     * E5 for a node that starts inside a minority (restarted by its supervisor during a partition): it serves
     * nothing the majority may have taken over, and nodes started one by one serve once the second has joined.
     */
    @Test
    void aNodeStartedWithoutAMajorityServesOnlyOnceASecondHasJoined() throws Exception {
        CountDownLatch fenced = new CountDownLatch(1);
        Fence fence = Fence.start(join(0), 3, fenced::countDown);
        started.add(fence);
        long rounds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Fence.CONFIRM_WAIT_MILLIS + 1_000);
        while (System.nanoTime() < rounds) {
            assertFalse(fence.serving(), "one of three configured nodes does not serve");
            assertFalse(fenced.await(100, TimeUnit.MILLISECONDS), "nor is it fenced: it never served");
        }
        join(1);
        long joined = System.nanoTime();
        while (!fence.serving()) {
            assertTrue(System.nanoTime() - joined < TimeUnit.SECONDS.toNanos(30), "serving once two of three are in the cluster");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /**
     * The same node once it can reach the others, which formed a cluster without it: Hazelcast merges its cluster
     * into theirs, and it is fenced (its supervisor restarts it from its journal) rather than rejoining with what it held.
     */
    @Test
    void aNodeThatFormedAClusterAloneIsFencedWhenItMergesIntoTheOthers() throws Exception {
        // f0's first look for other clusters comes after f1 and f2 formed theirs; later looks every 3 s
        Map<String, String> merge = Map.of("hazelcast.merge.first.run.delay.seconds", "12", "hazelcast.merge.next.run.delay.seconds", "3");
        merge.forEach(System::setProperty);
        try {
            CountDownLatch fenced = new CountDownLatch(1);
            Fence fence = Fence.start(join(0), 3, fenced::countDown); // f1 and f2 are not up: a cluster of its own
            started.add(fence);
            // they list only each other, so they form a cluster without f0; at once, so that neither is alone when f0 looks
            List<String> others = members.subList(1, 3);
            Thread second = new Thread(() -> join(2, others), "join-f2");
            second.start();
            join(1, others);
            second.join(TimeUnit.SECONDS.toMillis(60));
            assertTrue(fenced.await(60, TimeUnit.SECONDS), "f0 fenced as its cluster merged into f1's and f2's");
            assertFalse(fence.serving());
        } finally {
            merge.keySet().forEach(System::clearProperty);
        }
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
