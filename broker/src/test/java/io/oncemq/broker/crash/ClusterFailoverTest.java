package io.oncemq.broker.crash;

import io.oncemq.broker.cluster.ClusterNode;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three node JVMs; a kept-session QoS 2 publisher prefers n1, its subscriber n2. Nodes are killed with
 * SIGKILL in turn (the subscriber's, the publisher's, the third) at random moments and restarted from
 * their journals; clients reconnect to a surviving node, which takes their session over from the node that
 * adopted the dead node's copy. The subscriber must get every number exactly once (DESIGN.md §3).
 * Kills: {@code -Dfailover.kills} (3 by default, 1,000 with -Pchaos); copies of each journal:
 * {@code -Dfailover.backups} (the nodes' {@code backup-count}, 1 by default; with 2 every other node holds one).
 */
class ClusterFailoverTest {

    private static final int NODES = 3;
    /** A kill comes after up to this many more numbers arrived (a few hundred: several kills a minute). */
    private static final int KILL_SPACING = 750;

    @TempDir
    Path folder;
    @RegisterExtension
    final Closeables closeables = new Closeables();

    @Test
    void killingAnyNodeNeitherLosesNorDuplicatesQos2() throws Exception {
        int kills = Integer.getInteger("oncemq.failover.kills", 3);
        int cap = Math.max(3000, kills * 2000); // a bound only: the publisher stops once the kills are done
        long minutes = Math.max(10, kills / 3); // a kill, a restart and the flow going on again take seconds
        int backups = Integer.getInteger("oncemq.failover.backups", 1);
        List<BrokerProcess> nodes = NodeJvms.startCluster(folder, closeables, NODES, "failover", "--backup-count", String.valueOf(backups));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);

        Link subLink = link(nodes, 1, "failover-sub");
        CrashTest.Subscriber sub = new CrashTest.Subscriber(subLink, cap);
        subLink.connect(deadline);
        subLink.client().subscribe("failover/q2", 2).waitForCompletion(10_000);
        Link pubLink = link(nodes, 0, "failover-pub");
        pubLink.connect(deadline);
        sub.awaitRouteFrom(pubLink, "failover/q2", deadline);
        CrashTest.Publisher pub = new CrashTest.Publisher(pubLink, "failover/q2", 2, cap, minutes + 10);
        Thread t = new Thread(pub, "publisher");
        t.start();

        int[] order = {1, 0, 2};
        Random random = new Random();
        long seed = random.nextLong();
        random.setSeed(seed);
        int done = 0;
        int fenced = 0;
        for (int k = 0; k < kills && pub.handedOver < cap; k++) {
            int target = sub.received + 1 + random.nextInt(KILL_SPACING);
            sub.awaitReceived(Math.min(target, cap), 60_000);
            BrokerProcess victim = nodes.get(order[k % NODES]);
            victim.kill();
            done++;
            fenced += restart(nodes, victim);
            // the flow goes on before the next kill: every copy is current again by then
            sub.awaitReceived(Math.min(sub.received + 50, cap), 60_000);
        }
        sub.awaitReceived(Math.min(sub.received + KILL_SPACING, cap), 60_000); // a stretch without a kill to end with
        pub.stop();
        t.join(TimeUnit.MINUTES.toMillis(minutes));
        int n = pub.handedOver;
        sub.expectUpTo(n);
        assertEquals(null, pub.failure, () -> "publisher: " + pub.failure + "\n" + NodeJvms.tails(nodes));
        boolean complete = sub.awaitComplete(90_000);
        System.out.printf("cluster failover test: %d kills of %d nodes (seed %d, backup-count %d), %d fenced and restarted; QoS 2: "
                + "%d published, %d received, %d lost, %d duplicated%n", done, NODES, seed, backups,
                fenced, n, sub.received, sub.missing(), sub.duplicated());
        assertEquals(kills, done, "every kill made");
        // both in one message: a long run is not repeated to learn the other half
        assertTrue(complete && sub.duplicated() == 0, () -> "QoS 2 duplicates " + sub.firstDuplicated(20)
                + handedOverAt(pub, sub.firstDuplicated(20)) + "; lost " + sub.missing() + " " + sub.firstMissing(20)
                + handedOverAt(pub, sub.firstMissing(20)) + "\n" + NodeJvms.tails(nodes));
    }

    /** When the publisher handed each number over, to find its moment in the nodes' logs. */
    private static String handedOverAt(CrashTest.Publisher pub, List<Integer> numbers) {
        DateTimeFormatter clock = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
        StringBuilder out = new StringBuilder(" (handed over at");
        for (int number : numbers) {
            out.append(' ').append(number).append('@').append(clock.format(Instant.ofEpochMilli(pub.handedAt.get(number))));
        }
        return out.append(')').toString();
    }

    private Link link(List<BrokerProcess> nodes, int preferred, String clientId) throws MqttException {
        Link l = new Link(nodes, preferred, clientId, CrashTest.WINDOW);
        closeables.add(l);
        return l;
    }

    /**
     * Starts the killed node again, together with any node that fenced itself meanwhile (exit 75: on a machine this
     * loaded, two survivors can fail to confirm each other's lease in time), as a supervisor would; returns how many
     * had fenced themselves. Any other exit fails the test.
     */
    private static int restart(List<BrokerProcess> nodes, BrokerProcess victim) throws Exception {
        List<BrokerProcess> down = new java.util.ArrayList<>(List.of(victim));
        for (BrokerProcess p : nodes) {
            if (p != victim && !p.running()) {
                Integer code = p.awaitExit(0);
                assertEquals(ClusterNode.FENCED_EXIT_CODE, code, () -> "a node exited by itself with " + code + "\n" + NodeJvms.tails(nodes));
                down.add(p);
            }
        }
        NodeJvms.startAll(down);
        return down.size() - 1;
    }
}
