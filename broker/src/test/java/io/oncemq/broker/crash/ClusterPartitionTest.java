package io.oncemq.broker.crash;

import io.oncemq.broker.crash.NetworkNamespaces.Way;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.LocalTime;

import static io.oncemq.broker.crash.PartitionRun.CLUSTER_PORT;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Split brain by a cut link (E4, E5): three node JVMs, each in its own network namespace, with kept-session QoS 2
 * publishers and subscribers on every node ({@link PartitionRun}). n1's cluster port is blocked (every segment from
 * or to it dropped: both ways, or only what n1 sends, or only what it receives) while its MQTT port stays open, so
 * its clients stay connected to it. n1 must stop serving before the other two adopt its sessions, and fence itself
 * (exit code 75). Its clients resume on the others; the port is unblocked, n1 restarted from its journal, and a
 * subscriber moved back to it. Cut both ways, n1 is first restarted inside the cut: alone it must serve nothing,
 * and when the cut is mended its lone cluster merges into the others' and it must fence itself again. Every subscriber must get every accepted number exactly once. Skipped where network
 * namespaces cannot be made (not root).
 */
class ClusterPartitionTest {

    @TempDir
    Path folder;
    @RegisterExtension
    final Closeables closeables = new Closeables();

    /** Which of n1's cluster-port segments a cut drops. A one-way drop of TCP stalls both ways within a retransmission timeout. */
    enum Cut {
        BOTH_WAYS(Way.SENT, Way.RECEIVED),
        N1_HEARS_NOTHING(Way.RECEIVED),
        N1_SENDS_NOTHING(Way.SENT);

        private final Way[] ways;

        Cut(Way... ways) {
            this.ways = ways;
        }
    }

    @ParameterizedTest
    @EnumSource(Cut.class)
    void aNodeCutOffFromTheClusterStopsServingBeforeItIsAdopted(Cut cut) throws Exception {
        PartitionRun run = PartitionRun.start(folder, closeables, "cut");
        run.flows(200, 60_000);

        LocalTime at = LocalTime.now();
        run.net.block(0, CLUSTER_PORT, cut.ways);
        int exited = run.awaitAnyExit(30_000);
        assertTrue(exited == 0, () -> (exited < 0 ? "no node" : "n" + (exited + 1)) + " exited within 30 s of the cut, not n1\n"
                + run.tails());
        PartitionRun.Fenced f = run.fenced(0, at);
        String restart = "restarted after the heal";
        if (cut == Cut.BOTH_WAYS) {
            long merged = run.restartInsideTheCut(0, () -> run.net.unblock(0)); // and once more after the heal
            restart = String.format("restarted inside the cut: served no CONNECT, fenced %.1f s after the heal as its cluster merged; "
                    + "restarted again", merged / 1000.0);
        } else {
            run.restartFenced(0, () -> run.net.unblock(0));
        }

        ClusterPauseTest.Outcome o = run.stopAndCount();
        System.out.printf("cluster partition test: cut %s of n1 of %d nodes (%s; %s); QoS 2: %d messages to %d subscribers, %d lost, "
                + "%d duplicated%n", cut, PartitionRun.NODES, f, restart, o.messages(), run.subs.size(), o.lost(), o.duplicated());
        o.assertExactlyOnce();
        f.assertStoppedBeforeAdopted(run);
    }
}
