package io.oncemq.broker.crash;

import io.oncemq.broker.FreePorts;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two node JVMs in one cluster: a kept-session QoS 2 publisher on n1 streams numbers to a subscriber on n2,
 * and n1 is killed with SIGKILL at random moments and restarted from its journal. Forwards that n1 made
 * but had not marked routed are forwarded again after the restart and dropped by n2 as repeats (E1, E3):
 * the subscriber gets every number exactly once. Kills: {@code -Doncemq.cluster.kills} (3 by default).
 */
class ClusterCrashTest {

    @TempDir
    Path folder;
    @RegisterExtension
    final Closeables closeables = new Closeables();

    @Test
    void killingThePublishersNodeNeitherLosesNorDuplicatesWhatItForwarded() throws Exception {
        int kills = Integer.getInteger("oncemq.cluster.kills", 3);
        int n = Math.max(1500, kills * 300);
        int port1 = FreePorts.next();
        int port2 = FreePorts.next();
        String members = "127.0.0.1:" + port1 + ",127.0.0.1:" + port2;
        String name = "crash-" + Long.toHexString(System.nanoTime());
        BrokerProcess n1 = node(folder.resolve("n1"), "n1", port1, members, name);
        BrokerProcess n2 = node(folder.resolve("n2"), "n2", port2, members, name);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);

        n2.start();
        Link subLink = link(n2, "xcrash-sub");
        CrashTest.Subscriber sub = new CrashTest.Subscriber(subLink, n);
        subLink.connect(deadline);
        subLink.client().subscribe("xcrash/q2", 2).waitForCompletion(10_000);
        // n1 reads the route table when it joins: the subscription is known there before anything is published
        n1.start();
        CrashTest.Publisher pub = new CrashTest.Publisher(link(n1, "xcrash-pub"), "xcrash/q2", 2, n);
        Thread t = new Thread(pub, "publisher");
        t.start();

        Random random = new Random();
        long seed = random.nextLong();
        random.setSeed(seed);
        int done = 0;
        for (int k = 0; k < kills && pub.handedOver < n; k++) {
            int target = sub.received + 1 + random.nextInt(Math.max(1, n / (kills + 1)));
            sub.awaitReceived(Math.min(target, n), 30_000);
            n1.kill();
            done++;
            n1.start();
        }
        t.join(TimeUnit.MINUTES.toMillis(5));
        assertEquals(null, pub.failure, () -> "publisher: " + pub.failure + "\n" + n1.tail());
        boolean complete = sub.awaitComplete(60_000);
        System.out.printf("cluster crash test: %d kills of the publisher's node (seed %d); QoS 2: %d published, %d received, "
                + "%d lost, %d duplicated%n", done, seed, n, sub.received, sub.missing(), sub.duplicated());
        assertTrue(done >= Math.min(kills, 1), "n1 was killed");
        assertEquals(0, sub.duplicated(), "QoS 2 duplicates");
        assertTrue(complete, "QoS 2 lost " + sub.missing() + "\n" + n2.tail());
    }

    private BrokerProcess node(Path dir, String node, int clusterPort, String members, String clusterName) throws Exception {
        BrokerProcess p = new BrokerProcess(dir).withArgs("--node", node, "--cluster-port", String.valueOf(clusterPort),
                "--members", members, "--cluster-name", clusterName);
        closeables.add(p);
        return p;
    }

    private Link link(BrokerProcess broker, String clientId) throws MqttException {
        Link l = new Link(broker, clientId, CrashTest.WINDOW);
        closeables.add(l);
        return l;
    }
}
