package io.oncemq.broker.crash;

import io.oncemq.broker.crash.ClusterPauseTest.Publisher;
import io.oncemq.broker.crash.ClusterPauseTest.Subscriber;
import io.oncemq.broker.fault.FaultPoint;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two copies of each journal ({@code backup-count: 2}) survive a double failure: five node JVMs, so that three keep
 * a majority; n1's copies are on n2 and n3, n2's on n3 and n4. (a) n1 and n2 are SIGKILLed together: n2 never adopts
 * n1, so n3, the next holder of its copy, does, and n2 too. (b) Both restart, n2 armed to halt mid-adoption
 * ({@link FaultPoint#ADOPTION_TAKEN}: n1's client ids taken over in the owners map, nothing installed); n1 is
 * killed, n2 halts while adopting it, and n3 adopts n2, then n1, taking from n2 the client id n2 had taken: that of
 * a subscriber away meanwhile, whose session collects messages until it reconnects. Kept-session QoS 2 publishers
 * and subscribers on n1, n2 and elsewhere; every subscriber must get every accepted number exactly once, and each
 * session must be held by one live node.
 */
class ClusterDoubleFailureTest {

    private static final String ADOPTED_N1 = "node n1 left: adopted";
    private static final String ADOPTED_N2 = "node n2 left: adopted";

    @TempDir
    Path folder;
    @RegisterExtension
    final Closeables closeables = new Closeables();

    @Test
    void twoCopiesOfEachJournalOutliveANodeAndTheFirstHolderOfItsCopy() throws Exception {
        Path config = Files.writeString(folder.resolve("oncemq.yaml"), "max-queued: 200000\nhttp-host: 127.0.0.1\nbackup-count: 2\n");
        List<BrokerProcess> nodes = NodeJvms.startCluster(folder, closeables, 5, "double", "--config", config.toString(),
                "--http-port", "0");
        BrokerProcess n1 = nodes.get(0);
        BrokerProcess n2 = nodes.get(1);
        BrokerProcess n3 = nodes.get(2);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
        ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
        closeables.add(pace::shutdownNow);

        // n1's publisher fails over to n3 (the adopter), its subscriber to n4 (a hand-over from n3); n2's clients to n3, n5
        List<BrokerProcess> fromN1 = List.of(n1, n2, n3, nodes.get(3), nodes.get(4));
        Subscriber subA = subscriber(List.of(n1, nodes.get(3), nodes.get(4), n2, n3), "double-sub-a", deadline);
        Subscriber subB = subscriber(List.of(n2, nodes.get(4), nodes.get(3), n1, n3), "double-sub-b", deadline);
        Subscriber subC = subscriber(List.of(nodes.get(3), nodes.get(4), n3, n1, n2), "double-sub-c", deadline);
        Subscriber away = subscriber(List.of(n1, nodes.get(3), nodes.get(4), n2, n3), "double-sub-away", deadline);
        List<Subscriber> connected = List.of(subA, subB, subC);
        List<Subscriber> subs = List.of(subA, subB, subC, away);
        List<Publisher> pubs = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        int[] homes = {0, 1, 4}; // n1, n2, n5
        for (int i = 0; i < homes.length; i++) {
            pubs.add(new Publisher(closeables.add(new Link(fromN1, homes[i], "double-pub-" + i, CrashTest.WINDOW)), i, pace).startOn(threads));
        }
        flows(subs, 200, 60_000, nodes);

        // (a) n1 and the first holder of its copy die together: n2 never starts adopting n1 (that waits ~3 s for leases)
        long killedAt = System.nanoTime();
        n1.kill();
        n2.kill();
        assertTrue(n3.awaitLog(ADOPTED_N1, 60_000), () -> "n3, n1's second copy holder, did not adopt it\n" + tails(nodes));
        double adoptedAfter = (System.nanoTime() - killedAt) / 1e9;
        assertTrue(n3.awaitLog(ADOPTED_N2, 60_000), () -> "n3 did not adopt n2\n" + tails(nodes));
        flows(subs, 200, 90_000, nodes);
        awaitStreamPast(subC, pubs.get(0), 90_000, nodes); // n1's and n2's publishers go on elsewhere
        awaitStreamPast(subC, pubs.get(1), 90_000, nodes);

        // (b) both back, n2 armed to halt while it adopts n1; n1's clients move home again
        n1.start();
        n2.start(List.of("-D" + FaultPoint.PROPERTY + "=" + FaultPoint.ADOPTION_TAKEN));
        pubs.get(0).link.moveTo(deadline, 0, 2, 3, 4);
        subA.link.moveTo(deadline, 0, 1, 2, 3, 4);
        away.link.moveTo(deadline, 0, 1, 2, 3, 4);
        // n1's next journal batch goes to n2 and n3 as the whole state
        assertTrue(n1.awaitLogMatching("journal copy: sending the whole state \\(\\d+ records\\) to node n2", 30_000),
                () -> "n1 does not copy its journal to the rejoined n2\n" + tails(nodes));
        flows(subs, 200, 90_000, nodes);
        awaitStreamPast(subC, pubs.get(0), 90_000, nodes); // accepted on n1 after n2 got the whole state: n2 and n3 hold it
        // a client away: nobody claims its session, so n2's adoption takes it in the owners map before it halts
        away.link.client().disconnect(0).waitForCompletion(10_000);
        flows(connected, 200, 90_000, nodes); // meanwhile its session on n1 collects messages
        n1.kill();
        assertEquals(FaultPoint.HALT_STATUS, n2.awaitExit(60_000), () -> "n2 did not halt while adopting n1\n" + tails(nodes));
        assertTrue(n2.awaitLog(FaultPoint.LOG_PREFIX + FaultPoint.ADOPTION_TAKEN, 0), n2::tail);
        assertTrue(n3.awaitLogMatching(ADOPTED_N2, 2, 60_000), () -> "n3 did not adopt n2 again\n" + tails(nodes));
        assertTrue(n3.awaitLogMatching(ADOPTED_N1, 2, 60_000), () -> "n3 did not adopt n1 after n2 died adopting it\n" + tails(nodes));
        // n2 had taken the away client's id in the owners map: n3 takes it from n2
        assertTrue(n3.awaitLog("client double-sub-away: taken over from node n2, which died while adopting node n1", 0),
                () -> "n3 did not take the away client's session from n2\n" + tails(nodes));
        flows(connected, 200, 90_000, nodes);
        away.link.connect(deadline); // to n4: its session, with what it collected, comes from n3
        flows(subs, 200, 90_000, nodes);
        awaitStreamPast(subC, pubs.get(0), 90_000, nodes);

        n1.start(); // the full cluster again: every session on one node
        n2.start();
        flows(subs, 200, 90_000, nodes);
        ClusterPauseTest.Outcome o = ClusterPauseTest.stopAndCount(pubs, threads, subs, nodes);
        Map<String, List<String>> holders = NodeJvms.sessionHolders(nodes, List.of("n1", "n2", "n3", "n4", "n5"));
        System.out.printf("cluster double failure test (backup-count 2): n1 and n2 killed together, n1 adopted by n3 after %.1f s; "
                + "then n2 halted while adopting n1, n3 adopted both; sessions held %s; QoS 2: messages %d to %d subscribers, "
                + "lost %d, duplicated %d%n", adoptedAfter, holders, o.messages(), subs.size(), o.lost(), o.duplicated());
        o.assertExactlyOnce();
        NodeJvms.assertOneHolderEach(List.of("double-pub-0", "double-pub-1", "double-pub-2", "double-sub-a", "double-sub-b",
                "double-sub-c", "double-sub-away"), holders, () -> tails(nodes));
    }

    /** A kept-session subscriber to every publisher's stream, connected to the first node of {@code order} that is up. */
    private Subscriber subscriber(List<BrokerProcess> order, String clientId, long deadline) throws Exception {
        Subscriber s = new Subscriber(closeables.add(new Link(order, 0, clientId, CrashTest.WINDOW)));
        s.link.connect(deadline);
        s.link.client().subscribe("pause/+", 2).waitForCompletion(10_000);
        return s;
    }
}
