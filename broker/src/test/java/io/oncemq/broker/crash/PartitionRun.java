package io.oncemq.broker.crash;

import io.oncemq.broker.crash.ClusterPauseTest.Outcome;
import io.oncemq.broker.crash.ClusterPauseTest.Publisher;
import io.oncemq.broker.crash.ClusterPauseTest.Subscriber;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

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
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cut-link tests' cluster and traffic: three node JVMs, each in its own network namespace, a kept-session QoS 2
 * publisher on each node, and three subscribers: on n1 one with a long keep-alive ({@link #stay}) and one that
 * notices a silent node within seconds ({@link #move}), on n3 a third ({@link #other}). What a cut did is read from
 * the nodes' logs.
 */
final class PartitionRun {

    static final int NODES = 3;
    static final int CLUSTER_PORT = 5701;
    static final int FENCED_EXIT_CODE = 75;
    static final String LAPSED = "not serving until one does";
    static final String CONFIRMED_AGAIN = "confirms this node again";

    final NetworkNamespaces net;
    final List<BrokerProcess> nodes;
    final Subscriber stay;
    final Subscriber move;
    final Subscriber other;
    final List<Subscriber> subs;
    private final List<Publisher> pubs = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);

    private PartitionRun(Path folder, Closeables closeables, String name) throws Exception {
        net = closeables.add(NetworkNamespaces.create(NODES)); // closed after the nodes
        // a subscriber away for the cut must not overflow its queue: no message may be dropped here; the clients
        // come over the bridge, not from loopback; a node restarted inside a cut waits 5 s (not 60) in its lone cold start
        Path config = Files.writeString(folder.resolve("oncemq.yaml"), "max-queued: 200000\nallow-anonymous: true\ncold-start-wait: 5\n");
        nodes = NodeJvms.startCluster(folder, closeables, net, NODES, CLUSTER_PORT, name, "--config", config.toString());
        ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
        closeables.add(pace::shutdownNow);
        stay = ClusterPauseTest.subscriber(closeables, nodes, 0, name + "-sub-stay", 60, deadline);
        move = ClusterPauseTest.subscriber(closeables, nodes, 0, name + "-sub-move", 2, deadline);
        other = ClusterPauseTest.subscriber(closeables, nodes, 2, name + "-sub-other", 30, deadline);
        subs = List.of(stay, move, other);
        for (int i = 0; i < NODES; i++) {
            Link l = closeables.add(new Link(nodes, i, name + "-pub-" + i, CrashTest.WINDOW)).keepAlive(i == 0 ? 2 : 30);
            pubs.add(new Publisher(l, i, pace).startOn(threads));
        }
    }

    /** Starts the cluster and the traffic; {@code name} prefixes the cluster's name and the client ids. */
    static PartitionRun start(Path folder, Closeables closeables, String name) throws Exception {
        return new PartitionRun(folder, closeables, name);
    }

    /** Waits until each subscriber got {@code more} messages more than now. */
    void flows(int more, long timeoutMillis) throws InterruptedException {
        ClusterPauseTest.flows(subs, more, timeoutMillis, nodes);
    }

    /** Traffic to {@link #other} (on n3) while the time since {@code sinceNanos} is under {@code millis}: a cut held that long. */
    void holdFor(long sinceNanos, long millis) throws InterruptedException {
        while (System.nanoTime() - sinceNanos < TimeUnit.MILLISECONDS.toNanos(millis)) {
            other.awaitReceived(other.received + 1, 100);
        }
    }

    /** The index of the first node whose JVM exits within the timeout (it counts as down from then), or -1. */
    int awaitAnyExit(long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        do {
            for (int i = 0; i < NODES; i++) {
                if (nodes.get(i).awaitExit(20) != null) {
                    return i;
                }
            }
        } while (System.nanoTime() < end);
        return -1;
    }

    /**
     * Node {@code victim} halted: asserts its exit code and that another node adopted it. Returns when, after {@code cut}
     * (check {@link Fenced#assertStoppedBeforeAdopted} once the traffic is counted).
     */
    Fenced fenced(int victim, LocalTime cut) throws Exception {
        BrokerProcess node = nodes.get(victim);
        String name = "n" + (victim + 1);
        assertEquals(FENCED_EXIT_CODE, node.awaitExit(0), () -> name + " exited otherwise than fenced\n" + node.tail());
        assertTrue(ClusterPauseTest.awaitAnyLog(nodes, node, "node " + name + " left: adopted", 60_000),
                () -> name + " was not adopted\n" + tails());
        long adopted = Long.MAX_VALUE;
        for (int i = 0; i < NODES; i++) {
            if (i != victim) {
                // the adoption's start: "left: adopting it ... later" when it waited out the node's leases, else "left: adopted"
                adopted = Math.min(adopted, millisAfter(cut, i, "node " + name + " left: adopt"));
            }
        }
        return new Fenced(victim, millisAfter(cut, victim, LAPSED), millisAfter(cut, victim, "node " + name + " fenced"), adopted);
    }

    /** What a fence took, in milliseconds after the cut: the lease's lapse, the halt, the first other node's adoption of it. */
    record Fenced(int node, long lapsed, long fenced, long adopted) {

        /** E4: the node stopped serving before another node served its sessions (its log line comes after the lapse). */
        void assertStoppedBeforeAdopted(PartitionRun run) {
            assertTrue(lapsed < adopted, () -> "n" + (node + 1) + " served until " + lapsed + " ms after the cut, adopted at " + adopted
                    + " ms\n" + run.tails());
        }

        @Override
        public String toString() {
            return String.format("n%d stopped serving %.1f s, fenced %.1f s, adopted %.1f s after the cut", node + 1, lapsed / 1000.0,
                    fenced / 1000.0, adopted / 1000.0);
        }
    }

    /**
     * After a fence: the fenced node's clients resume on the others and traffic goes on there; then the cut is
     * mended ({@code heal}), the node restarted from its journal, and {@link #stay} moved to it.
     */
    void restartFenced(int victim, Heal heal) throws Exception {
        assertTrue(move.link.awaitConnected(60_000), () -> "the moving subscriber did not reconnect\n" + tails());
        assertTrue(stay.link.awaitConnected(90_000), () -> "the staying subscriber did not reconnect\n" + tails());
        flows(100, 90_000);
        heal.run();
        nodes.get(victim).start(); // as its supervisor would: from its journal, dropping what others serve now (E5)
        int[] order = IntStream.concat(IntStream.of(victim), IntStream.range(0, NODES).filter(i -> i != victim)).toArray();
        stay.link.moveTo(deadline, order); // a session taken back by the restarted node
        flows(100, 90_000);
    }

    /**
     * After a fence, the node restarted while still cut off (a supervisor during a partition), as after
     * {@link #restartFenced} otherwise: alone, it must serve nothing (E5: the others serve its sessions now); once the
     * cut is mended, Hazelcast merges its lone cluster into theirs and it must fence itself again on that merge. Then
     * it is restarted into the cluster and {@link #stay} moved to it. Returns the milliseconds from the heal to that fence.
     */
    long restartInsideTheCut(int victim, Heal heal) throws Exception {
        assertTrue(move.link.awaitConnected(60_000), () -> "the moving subscriber did not reconnect\n" + tails());
        assertTrue(stay.link.awaitConnected(90_000), () -> "the staying subscriber did not reconnect\n" + tails());
        flows(100, 90_000);
        BrokerProcess node = nodes.get(victim);
        // its lone cluster looks for the others every 3 s (30 s in production), so the merge comes soon after the heal
        node.start(List.of("-Dhazelcast.merge.first.run.delay.seconds=3", "-Dhazelcast.merge.next.run.delay.seconds=3"));
        assertTrue(node.awaitLog("not serving until a majority has joined", 10_000), () -> "alone, it said nothing of serving\n"
                + node.tail());
        assertNotServed(node);
        heal.run();
        long healed = System.nanoTime();
        assertEquals(FENCED_EXIT_CODE, node.awaitExit(90_000), () -> "not fenced when its cluster merged into the others'\n"
                + node.tail());
        long fencedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healed);
        assertTrue(node.logLines("is merging into the cluster of the others").size() == 1, () -> "fenced otherwise\n" + node.tail());
        node.start();
        int[] order = IntStream.concat(IntStream.of(victim), IntStream.range(0, NODES).filter(i -> i != victim)).toArray();
        stay.link.moveTo(deadline, order);
        flows(100, 90_000);
        return fencedAfter;
    }

    /** A client's CONNECT to the node is refused before its session is claimed, and no CONNACK leaves: the connection closes. */
    private static void assertNotServed(BrokerProcess node) throws IOException, InterruptedException {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setConnectionTimeout(10);
        options.setCleanSession(true);
        try (MqttClient c = new MqttClient("tcp://" + node.host() + ":" + node.port(), "cut-probe", new MemoryPersistence())) {
            assertThrows(MqttException.class, () -> c.connect(options), () -> "a node alone out of three answered a CONNECT\n"
                    + node.tail());
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
        assertTrue(node.awaitLog("client cut-probe: CONNECT refused", 10_000), () -> "the CONNECT was not refused\n" + node.tail());
    }

    /** Mends a cut. */
    interface Heal {
        void run() throws IOException, InterruptedException;
    }

    /** Stops the publishers and counts what every subscriber got. */
    Outcome stopAndCount() throws InterruptedException {
        return ClusterPauseTest.stopAndCount(pubs, threads, subs, nodes);
    }

    /** Milliseconds from {@code since} to the first line of node i's (every start's) log containing the text; MAX_VALUE if none. */
    long millisAfter(LocalTime since, int i, String text) {
        try {
            for (String line : nodes.get(i).logLines(text)) {
                return Duration.between(since, LocalTime.parse(line.substring(0, 12))).toMillis(); // HH:mm:ss.SSS (logback.xml)
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Long.MAX_VALUE;
    }

    /** How many lines of all the nodes' logs (every start) contain the text. */
    int linesWith(String text) throws IOException {
        int n = 0;
        for (BrokerProcess p : nodes) {
            n += p.logLines(text).size();
        }
        return n;
    }

    String tails() {
        return ClusterPauseTest.tails(nodes);
    }
}
