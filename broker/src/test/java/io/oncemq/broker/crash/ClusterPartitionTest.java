package io.oncemq.broker.crash;

import io.oncemq.broker.crash.ClusterPauseTest.Publisher;
import io.oncemq.broker.crash.ClusterPauseTest.Subscriber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static io.oncemq.broker.crash.ClusterPauseTest.flows;
import static io.oncemq.broker.crash.ClusterPauseTest.tails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Split brain by a cut link (E4, E5): three node JVMs, each in its own network namespace, with kept-session QoS 2
 * publishers and subscribers on every node. n1's cluster port is blocked (every segment from or to it dropped, both
 * ways) while its MQTT port stays open, so its clients stay connected to it. Both sides lose each other; n1 must
 * stop serving before the other two adopt its sessions, and fence itself (exit code 75). Its clients resume on the
 * others; the port is unblocked, n1 restarted from its journal, and a subscriber moved back to it. Every subscriber
 * must get every accepted number exactly once. Skipped where network namespaces cannot be made (not root).
 */
class ClusterPartitionTest {

    private static final int NODES = 3;
    private static final int CLUSTER_PORT = 5701;
    private static final int FENCED_EXIT_CODE = 75;

    @TempDir
    Path folder;
    @RegisterExtension
    final Closeables closeables = new Closeables();

    @Test
    void aNodeCutOffFromTheClusterStopsServingBeforeItIsAdopted() throws Exception {
        NetworkNamespaces net = closeables.add(NetworkNamespaces.create(NODES)); // closed after the nodes
        // a subscriber away for the cut must not overflow its queue: no message may be dropped here; the clients
        // come over the bridge, not from loopback
        Path config = Files.writeString(folder.resolve("oncemq.yaml"), "max-queued: 200000\nallow-anonymous: true\n");
        List<BrokerProcess> nodes = NodeJvms.startCluster(folder, closeables, net, NODES, CLUSTER_PORT, "partition",
                "--config", config.toString());
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
        closeables.add(pace::shutdownNow);

        // n1's clients: one with a long keep-alive, two that notice a silent node within seconds
        Subscriber stay = ClusterPauseTest.subscriber(closeables, nodes, 0, "cut-sub-stay", 60, deadline);
        Subscriber move = ClusterPauseTest.subscriber(closeables, nodes, 0, "cut-sub-move", 2, deadline);
        Subscriber other = ClusterPauseTest.subscriber(closeables, nodes, 2, "cut-sub-other", 30, deadline);
        List<Subscriber> subs = List.of(stay, move, other);
        List<Publisher> pubs = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            Link l = closeables.add(new Link(nodes, i, "cut-pub-" + i, CrashTest.WINDOW)).keepAlive(i == 0 ? 2 : 30);
            Publisher p = new Publisher(l, i, pace);
            pubs.add(p);
            Thread t = new Thread(p, "publisher-" + i);
            threads.add(t);
            t.start();
        }
        flows(subs, 200, 60_000, nodes);

        BrokerProcess victim = nodes.get(0);
        LocalTime cut = LocalTime.now();
        net.block(0, CLUSTER_PORT);
        Integer exit = victim.awaitExit(30_000);
        assertNotNull(exit, () -> "n1 still runs 30 s after its cluster port was blocked: not fenced\n" + tails(nodes));
        assertEquals(FENCED_EXIT_CODE, exit, () -> "n1 exited otherwise than fenced\n" + victim.tail());
        assertTrue(ClusterPauseTest.awaitAnyLog(nodes, victim, "node n1 left: adopted", 60_000),
                () -> "n1 was not adopted\n" + tails(nodes));
        long lapsed = millisAfter(cut, victim, "not serving until one does");
        long fenced = millisAfter(cut, victim, "node n1 fenced");
        long adopted = Math.min(millisAfter(cut, nodes.get(1), "node n1 left"), millisAfter(cut, nodes.get(2), "node n1 left"));
        // the node must stop serving before the majority serves its sessions (the log line comes after the lapse)
        assertTrue(lapsed < adopted, () -> "n1 served until " + lapsed + " ms after the cut, adopted at " + adopted + " ms\n"
                + tails(nodes));

        // n1's clients resume on the majority, traffic goes on there
        assertTrue(move.link.awaitConnected(60_000), () -> "the moving subscriber did not reconnect\n" + tails(nodes));
        assertTrue(stay.link.awaitConnected(90_000), () -> "the staying subscriber did not reconnect\n" + tails(nodes));
        flows(subs, 100, 90_000, nodes);

        net.unblock(0);
        victim.start(); // as its supervisor would: from its journal, dropping what others serve now (E5)
        stay.link.moveTo(deadline, 0, 1, 2); // a session taken back by the restarted node
        flows(subs, 100, 90_000, nodes);

        ClusterPauseTest.Outcome o = ClusterPauseTest.stopAndCount(pubs, threads, subs, nodes);
        System.out.printf("cluster partition test: 1 cut of %d nodes (n1 stopped serving %.1f s, fenced %.1f s, adopted %.1f s "
                + "after the cut); QoS 2: %d messages to %d subscribers, %d lost, %d duplicated%n", NODES, lapsed / 1000.0,
                fenced / 1000.0, adopted / 1000.0, o.messages(), subs.size(), o.lost(), o.duplicated());
        o.assertExactlyOnce();
    }

    /** Milliseconds from {@code since} to the first line of the node's (every start's) log containing the text; MAX_VALUE if none. */
    private static long millisAfter(LocalTime since, BrokerProcess node, String text) throws IOException {
        for (String line : node.logLines(text)) {
            return Duration.between(since, LocalTime.parse(line.substring(0, 12))).toMillis(); // HH:mm:ss.SSS (logback.xml)
        }
        return Long.MAX_VALUE;
    }
}
