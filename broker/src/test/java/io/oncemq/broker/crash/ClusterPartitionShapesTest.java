package io.oncemq.broker.crash;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.LocalTime;

import static io.oncemq.broker.crash.PartitionRun.CLUSTER_PORT;
import static io.oncemq.broker.crash.PartitionRun.CONFIRMED_AGAIN;
import static io.oncemq.broker.crash.PartitionRun.LAPSED;
import static io.oncemq.broker.crash.PartitionRun.NODES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Split brain (E4, E5) by cuts other than one node cut off for good ({@link ClusterPartitionTest}), on the same
 * cluster and traffic ({@link PartitionRun}): a cut of n1 that heals before the failure detector (10 s) and the
 * fence (lease 3 s + 4 s) act, and a cut of the n1-n2 link only, each still reaching n3. Whatever the cluster does,
 * no client may be served by two nodes and every subscriber must get every accepted number exactly once.
 */
class ClusterPartitionShapesTest {

    @TempDir
    Path folder;
    @RegisterExtension
    final Closeables closeables = new Closeables();

    @ParameterizedTest
    @ValueSource(longs = {1_500, 2_500})
    void aCutThatHealsBeforeTheFenceChangesNothing(long cutMillis) throws Exception {
        PartitionRun run = PartitionRun.start(folder, closeables, "heal");
        run.flows(200, 60_000);

        LocalTime at = LocalTime.now();
        long start = System.nanoTime();
        run.net.block(0, CLUSTER_PORT);
        run.holdFor(start, cutMillis);
        run.net.unblock(0);
        run.flows(300, 60_000); // traffic resumes on every subscriber
        assertEquals(-1, run.awaitAnyExit(0), () -> "a node exited after a cut of " + cutMillis + " ms\n" + run.tails());
        assertEquals(0, run.linesWith(" left; members"), () -> "a node left after a cut of " + cutMillis + " ms\n" + run.tails());

        long lapsed = run.millisAfter(at, 0, LAPSED);
        long again = run.millisAfter(at, 0, CONFIRMED_AGAIN);
        ClusterPauseTest.Outcome o = run.stopAndCount();
        System.out.printf("cluster partition test: cut of n1 healed after %.1f s (%s); QoS 2: %d messages to %d subscribers, "
                + "%d lost, %d duplicated%n", cutMillis / 1000.0, lapsed == Long.MAX_VALUE ? "n1 served on"
                : String.format("n1 stopped serving %.1f s, confirmed again %.1f s after the cut", lapsed / 1000.0, again / 1000.0),
                o.messages(), run.subs.size(), o.lost(), o.duplicated());
        o.assertExactlyOnce();
        assertTrue(lapsed == Long.MAX_VALUE || again > lapsed, () -> "n1's lease lapsed and was never confirmed again\n" + run.tails());
    }

    @Test
    void aCutBetweenTwoNodesLeavesOneServerPerClient() throws Exception {
        PartitionRun run = PartitionRun.start(folder, closeables, "link");
        run.flows(200, 60_000);

        LocalTime at = LocalTime.now();
        run.net.blockLink(0, 1, CLUSTER_PORT);
        int victim = run.awaitAnyExit(40_000);
        PartitionRun.Fenced f = null;
        String what;
        if (victim >= 0) {
            f = run.fenced(victim, at);
            run.restartFenced(victim, () -> run.net.unblock(0));
            what = f.toString();
        } else {
            // nobody fenced: then nobody may have been adopted either, and traffic goes on with the link cut
            assertEquals(0, run.linesWith("left: adopted"), () -> "a node was adopted but none fenced\n" + run.tails());
            run.flows(200, 60_000);
            run.net.unblock(0);
            what = "no node fenced within 40 s";
        }
        run.flows(100, 90_000);

        ClusterPauseTest.Outcome o = run.stopAndCount();
        System.out.printf("cluster partition test: link n1-n2 cut (%s); QoS 2: %d messages to %d subscribers, %d lost, "
                + "%d duplicated%n", what, o.messages(), run.subs.size(), o.lost(), o.duplicated());
        o.assertExactlyOnce();
        if (f != null) {
            f.assertStoppedBeforeAdopted(run);
        }
        for (int i = 0; i < NODES; i++) {
            String live = "node n" + (i + 1) + " left: adopt";
            if (i != victim) { // E4: a node that served on all along was adopted by nobody (a minority must not adopt)
                assertEquals(0, run.linesWith(live), () -> "a live node was adopted: " + live + "\n" + run.tails());
            }
        }
    }
}
