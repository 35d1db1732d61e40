package io.oncemq.broker.crash;

import io.oncemq.broker.crash.ClusterPauseTest.Publisher;
import io.oncemq.broker.crash.ClusterPauseTest.Subscriber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static io.oncemq.broker.crash.ClusterPauseTest.awaitStreamPast;
import static io.oncemq.broker.crash.ClusterPauseTest.flows;
import static io.oncemq.broker.crash.ClusterPauseTest.tails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node lost for good (DESIGN.md §3): three node JVMs, kept-session QoS 2 publishers and subscribers on every node.
 * n2 is killed with SIGKILL mid-stream and its whole data folder deleted; its buddy n3 adopts its sessions and its
 * clients resume on n1 and n3 while n2 stays gone. Then n2 starts again under its name with an empty folder: it
 * restores nothing (E5), a client that knows only n2's address gets its session back from the adopter with what was
 * queued meanwhile, and a publisher moves onto it. The copy ring forms again (n1 sends its whole state to n2, n2 to
 * n3), which n1's SIGKILL then proves: the rejoined n2 adopts n1. Every subscriber must get every accepted number
 * exactly once, and each session must be held by one live node only.
 */
class ClusterDiskLossTest {

    private static final int NODES = 3;

    @TempDir
    Path folder;
    @RegisterExtension
    final Closeables closeables = new Closeables();

    @Test
    void aNodeWhoseDiskIsLostIsServedFromItsCopyAndRejoinsEmpty() throws Exception {
        // queues of a subscriber away while n2 is down must not overflow; the admin API (loopback) shows the sessions
        Path config = Files.writeString(folder.resolve("oncemq.yaml"), "max-queued: 200000\nhttp-host: 127.0.0.1\n");
        List<BrokerProcess> nodes = NodeJvms.startCluster(folder, closeables, NODES, "diskloss",
                "--config", config.toString(), "--http-port", "0");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
        closeables.add(pace::shutdownNow);
        BrokerProcess n1 = nodes.get(0);
        BrokerProcess n2 = nodes.get(1);

        // n2's clients: one knows only n2's address (it waits for n2 to come back), one resumes on n1 (a hand-over from
        // the adopter n3), and the publisher resumes on n3 (the adopter itself)
        Subscriber home = new Subscriber(closeables.add(new Link(List.of(n2), 0, "disk-sub-home", CrashTest.WINDOW)));
        Subscriber move = new Subscriber(closeables.add(new Link(nodes, 1, "disk-sub-move", CrashTest.WINDOW)));
        move.link.moveTo(deadline, 1, 0, 2);
        Subscriber other = ClusterPauseTest.subscriber(closeables, nodes, 2, "disk-sub-other", 30, deadline);
        home.link.connect(deadline);
        home.link.client().subscribe("pause/+", 2).waitForCompletion(10_000);
        move.link.client().subscribe("pause/+", 2).waitForCompletion(10_000);
        List<Subscriber> subs = List.of(home, move, other);
        List<Publisher> pubs = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            pubs.add(new Publisher(closeables.add(new Link(nodes, i, "disk-pub-" + i, CrashTest.WINDOW)), i, pace).startOn(threads));
        }
        flows(subs, 200, 60_000, nodes);

        // (a) n2 and its disk are gone: its copy on n3 serves
        String lostIncarnation = n2.incarnation();
        n2.kill();
        n2.loseDisk();
        long killedAt = System.nanoTime();
        assertTrue(nodes.get(2).awaitLog("node n2 left: adopted", 60_000), () -> "n2's buddy n3 did not adopt it\n" + tails(nodes));
        double adoptedAfter = (System.nanoTime() - killedAt) / 1e9;
        assertTrue(move.link.awaitConnected(60_000), () -> "n2's subscriber did not resume on n1\n" + tails(nodes));
        assertTrue(pubs.get(1).link.awaitConnected(60_000), () -> "n2's publisher did not resume on n3\n" + tails(nodes));
        flows(List.of(move, other), 200, 90_000, nodes);
        awaitStreamPast(other, pubs.get(1), 60_000, nodes); // n2's publisher goes on without n2

        // (b) n2 starts again under its name with an empty folder: nothing of its earlier life comes back (E5)
        String copyToN2 = "journal copy: sending the whole state \\(\\d+ records\\) to node n2";
        int n1CopiesToN2 = n1.logLinesMatching(copyToN2).size();
        n2.start();
        assertNotEquals(lostIncarnation, n2.incarnation(), "n2 must start on a new data folder");
        assertTrue(n2.awaitLog(" 0 sessions restored", 0), () -> "n2 restored sessions from an empty folder\n" + n2.tail());
        // the client that knows only n2 comes back there and gets its session from the adopter, with its queue
        assertTrue(home.link.awaitConnected(60_000), () -> "disk-sub-home did not reconnect to n2\n" + tails(nodes));
        String takenBack = "client disk-sub-home: session taken over from node n3";
        assertTrue(n2.awaitLog(takenBack, 10_000), () -> "n2 did not take disk-sub-home's session from the adopter\n" + tails(nodes));
        String homeQueue = n2.logLines(takenBack).get(0).replaceFirst(".*session taken over from node n3 \\((\\d+) queued.*", "$1");
        pubs.get(1).link.moveTo(deadline, 1, 2, 0); // and n2's publisher comes home too
        flows(subs, 200, 90_000, nodes);
        awaitStreamPast(other, pubs.get(1), 60_000, nodes);

        // the copy ring forms again: n1's journal is copied to n2 (its whole state first), n2's to n3
        assertTrue(n1.awaitLogMatching(copyToN2, n1CopiesToN2 + 1, 30_000),
                () -> "n1 does not copy its journal to the rejoined n2\n" + tails(nodes));
        assertTrue(n2.awaitLogMatching("journal copy: sending the whole state \\(\\d+ records\\) to node n3", 30_000),
                () -> "the rejoined n2 does not copy its journal to n3\n" + tails(nodes));
        // a number of n1's publisher accepted after the whole state went out was copied after it: n2 holds n1's copy
        awaitStreamPast(other, pubs.get(0), 60_000, nodes);
        n1.kill(); // its disk stays; it stays down: the rejoined n2 adopts it
        assertTrue(nodes.get(1).awaitLog("node n1 left: adopted", 60_000), () -> "the rejoined n2 did not adopt n1\n" + tails(nodes));
        assertTrue(pubs.get(0).link.awaitConnected(60_000), () -> "n1's publisher did not resume\n" + tails(nodes));
        assertTrue(move.link.awaitConnected(60_000), () -> "disk-sub-move did not resume after n1's death\n" + tails(nodes));
        flows(subs, 200, 90_000, nodes);
        awaitStreamPast(other, pubs.get(0), 60_000, nodes);

        ClusterPauseTest.Outcome o = ClusterPauseTest.stopAndCount(pubs, threads, subs, nodes);
        Map<String, List<String>> holders = NodeJvms.sessionHolders(nodes.subList(1, NODES), List.of("n2", "n3"));
        System.out.printf("cluster disk loss test: n2 killed, its data folder deleted, adopted by n3 after %.1f s, restarted "
                + "empty (disk-sub-home took its session back there with %s queued), then n1 killed and adopted by the rejoined "
                + "n2; sessions held %s; QoS 2: messages %d to %d subscribers, lost %d, duplicated %d%n", adoptedAfter, homeQueue,
                holders, o.messages(), subs.size(), o.lost(), o.duplicated());
        o.assertExactlyOnce();
        // E4/E5: every client's session lives on exactly one live node, never on two (a stale copy left behind) or none
        List<String> clients = List.of("disk-pub-0", "disk-pub-1", "disk-pub-2", "disk-sub-home", "disk-sub-move", "disk-sub-other");
        NodeJvms.assertOneHolderEach(clients, holders, () -> tails(nodes));
        assertTrue(holders.get("disk-sub-home").contains("n2"), "disk-sub-home connects to n2 only");
    }
}
