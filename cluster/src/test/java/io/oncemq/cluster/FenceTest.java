package io.oncemq.cluster;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aNodeLeftWithoutAMajorityStopsServingThenIsFenced() throws Exception {
        int[] ports = {freePort(), freePort(), freePort()};
        List<String> members = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1], "127.0.0.1:" + ports[2]);
        String cluster = "fence-" + Long.toHexString(System.nanoTime());
        List<Membership> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Membership m = Membership.join(new ClusterOptions("f" + i, cluster, "127.0.0.1", ports[i], members));
            started.add(m);
            nodes.add(m);
        }
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
}
