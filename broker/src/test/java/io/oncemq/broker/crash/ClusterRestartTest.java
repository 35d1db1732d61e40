package io.oncemq.broker.crash;

import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * E5 across a whole-cluster restart: three node JVMs, two QoS 2 publisher/subscriber pairs with kept sessions
 * spread over them. Sessions move first (n1 killed and restarted; then n2 killed, its sessions adopted by n3 and
 * resumed elsewhere, n2 left down, so its journal still holds their older state); then n1 and n3 are killed
 * with SIGKILL mid-stream, and all three nodes start again at once from their journals. Every subscriber must
 * get every number exactly once.
 */
class ClusterRestartTest {

    private static final int NODES = 3;
    private static final int N = 4000;
    /** The first two kills land in the first two of this many stages of the stream; the rest runs unpaced. */
    private static final int STAGES = 4;

    @TempDir
    Path folder;
    @RegisterExtension
    final Closeables closeables = new Closeables();

    @Test
    void aWholeClusterRestartFromTheJournalsNeitherLosesNorDuplicatesQos2() throws Exception {
        List<BrokerProcess> nodes = NodeJvms.startCluster(folder, closeables, NODES, "restart", "--cold-start-wait", "60");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        // pair a: publisher on n1, subscriber on n2; pair b: publisher on n2, subscriber on n3
        Pair a = pair(nodes, "restart/a", 0, 1, deadline);
        Pair b = pair(nodes, "restart/b", 1, 2, deadline);
        a.pub.allowUpTo(0);
        b.pub.allowUpTo(0);
        a.start();
        b.start();
        int restarts = 0;

        // sessions move: n1 dies, its buddy n2 adopts a's publisher, which resumes on n2; n1 comes back
        stage(a, b, 1);
        nodes.get(0).kill();
        awaitMore(a, b, 50);
        nodes.get(0).start();
        restarts++;

        // n2 dies: n3 adopts a's subscriber and b's publisher (and a's publisher, back on n1 next); n2 stays down
        stage(a, b, 2);
        nodes.get(1).kill();
        awaitMore(a, b, 100);

        // the rest of the cluster dies at once, mid-stream (both streams unpaced now, so neither waits at a stage's
        // end); all three start again from their journals at once
        a.pub.allowUpTo(N);
        b.pub.allowUpTo(N);
        awaitBoth(a, b, 2 * N / STAGES + N / STAGES / 5);
        nodes.get(0).kill();
        nodes.get(2).kill();
        System.out.printf("whole cluster killed with %d and %d of %d published%n", a.pub.handedOver, b.pub.handedOver, N);
        NodeJvms.startAll(nodes);
        restarts += NODES;

        a.finish();
        b.finish();
        boolean complete = a.sub.awaitComplete(120_000) & b.sub.awaitComplete(120_000);
        int lost = a.sub.missing() + b.sub.missing();
        int duplicated = a.sub.duplicated() + b.sub.duplicated();
        for (int i = 0; i < NODES; i++) {
            for (String line : nodes.get(i).logLinesMatching("cold start|dropped from")) {
                System.out.println("n" + (i + 1) + " " + line);
            }
        }
        System.out.printf("cluster restart test: %d restarts, %d messages, %d lost, %d duplicated%n", restarts, 2 * N, lost,
                duplicated);
        assertEquals(0, duplicated, () -> "QoS 2 duplicates a " + a.sub.firstDuplicated(20) + " b " + b.sub.firstDuplicated(20)
                + "\n" + NodeJvms.tails(nodes));
        assertTrue(complete, () -> "QoS 2 lost a " + a.sub.firstMissing(20) + " b " + b.sub.firstMissing(20) + "\n" + NodeJvms.tails(nodes));
        assertEquals(0, lost);
    }

    /** A publisher thread and its subscriber, each a kept session preferring its own node. */
    private final class Pair {
        final CrashTest.Subscriber sub;
        final CrashTest.Publisher pub;
        final Thread thread;

        Pair(CrashTest.Subscriber sub, CrashTest.Publisher pub) {
            this.sub = sub;
            this.pub = pub;
            this.thread = new Thread(pub, "publisher-" + pub.topic);
        }

        void start() {
            thread.start();
        }

        void finish() throws InterruptedException {
            thread.join(TimeUnit.MINUTES.toMillis(5));
            assertEquals(null, pub.failure, () -> pub.topic + " publisher: " + pub.failure);
        }
    }

    private Pair pair(List<BrokerProcess> nodes, String topic, int pubNode, int subNode, long deadline) throws Exception {
        String name = topic.replace('/', '-');
        Link subLink = link(nodes, subNode, name + "-sub");
        CrashTest.Subscriber sub = new CrashTest.Subscriber(subLink, N);
        subLink.connect(deadline);
        subLink.client().subscribe(topic, 2).waitForCompletion(10_000);
        Link pubLink = link(nodes, pubNode, name + "-pub");
        pubLink.connect(deadline);
        sub.awaitRouteFrom(pubLink, topic, deadline);
        return new Pair(sub, new CrashTest.Publisher(pubLink, topic, 2, N));
    }

    /**
     * Lets each publisher go on to the end of stage {@code k} of {@link #STAGES}, and returns once its subscriber
     * is a fifth of a stage into it: a kill then lands mid-stream, with messages on every hop.
     */
    private static void stage(Pair a, Pair b, int k) throws InterruptedException {
        int end = k * N / STAGES;
        int start = end - N / STAGES;
        a.pub.allowUpTo(end);
        b.pub.allowUpTo(end);
        awaitBoth(a, b, start + N / STAGES / 5);
    }

    /** Waits until each subscriber got {@code more} numbers beyond what it has now: the flow runs again. */
    private static void awaitMore(Pair a, Pair b, int more) throws InterruptedException {
        int ra = a.sub.received;
        int rb = b.sub.received;
        assertTrue(a.sub.awaitReceived(ra + more, 90_000), "pair a stalled at " + a.sub.received);
        assertTrue(b.sub.awaitReceived(rb + more, 90_000), "pair b stalled at " + b.sub.received);
    }

    private static void awaitBoth(Pair a, Pair b, int received) throws InterruptedException {
        assertTrue(a.sub.awaitReceived(received, 90_000), "pair a stalled at " + a.sub.received);
        assertTrue(b.sub.awaitReceived(received, 90_000), "pair b stalled at " + b.sub.received);
    }

    private Link link(List<BrokerProcess> nodes, int preferred, String clientId) throws MqttException {
        Link l = new Link(nodes, preferred, clientId, CrashTest.WINDOW);
        closeables.add(l);
        return l;
    }
}
