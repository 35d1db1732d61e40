package io.oncemq.broker.crash;

import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Split brain (E4, E5): three node JVMs; a node is paused with SIGSTOP past the failure detector's timeout while
 * kept-session QoS 2 publishers and subscribers on every node stream numbers. The others declare it dead and
 * its buddy adopts its sessions; its short-keep-alive clients move to them. One subscriber stays connected to
 * the paused node (keep-alive longer than the pause). After SIGCONT the node must not serve that subscriber
 * anything the adopter also holds: it fences itself (exit code 75) and is restarted from its journal, or, if a
 * majority still counted it, carries on. Every subscriber must get every accepted number exactly once.
 * {@code -Doncemq.pause.count=N} pauses (the pom's {@code pause.count}).
 */
class ClusterPauseTest {

    private static final int NODES = 3;
    private static final int FENCED_EXIT_CODE = 75;
    private static final int MAX_PER_PUBLISHER = 100_000;
    /** Messages a second per publisher: traffic all along, but queues that a subscriber away for a minute can catch up on. */
    private static final int RATE = 50;
    /** Longer than the 10 s after which the others declare a silent node dead. */
    private static final long PAUSE_AT_LEAST_MILLIS = 12_000;

    @TempDir
    Path folder;
    @RegisterExtension
    final Closeables closeables = new Closeables();

    @Test
    // the pom passes pause.count (1 in the default suite, 3 with -Pchaos; 0 leaves it out)
    @EnabledIfSystemProperty(named = "oncemq.pause.count", matches = "[1-9][0-9]*")
    void aPausedNodeServesNothingItsAdopterHolds() throws Exception {
        int pauses = Integer.getInteger("oncemq.pause.count");
        List<BrokerProcess> nodes = startCluster();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
        closeables.add(pace::shutdownNow);

        // the paused node's clients: one stays through the pause, two notice it and move
        Subscriber stay = subscriber(nodes, 0, "pause-sub-stay", 60, deadline);
        Subscriber move = subscriber(nodes, 0, "pause-sub-move", 2, deadline);
        Subscriber other = subscriber(nodes, 2, "pause-sub-other", 30, deadline);
        List<Subscriber> subs = List.of(stay, move, other);
        List<Publisher> pubs = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            pubs.add(new Publisher(link(nodes, i, "pause-pub-" + i).keepAlive(i == 0 ? 2 : 30), i, pace).startOn(threads));
        }
        flows(subs, 200, 60_000, nodes);

        int done = 0;
        int fenced = 0;
        for (int k = 0; k < pauses; k++) {
            int victimIndex = nodeOf(stay.link, nodes);
            BrokerProcess victim = nodes.get(victimIndex);
            String name = "n" + (victimIndex + 1);
            long pausedAt = System.nanoTime();
            victim.pause();
            done++;
            // the survivors declare it dead and its buddy adopts its sessions
            assertTrue(awaitAnyLog(nodes, victim, "node " + name + " left: adopted", 60_000),
                    () -> name + " was not adopted\n" + tails(nodes) + survivorTails(nodes, victim));
            // traffic goes on without it; the paused node's moving clients resume on the survivors
            assertTrue(move.link.awaitConnected(60_000), () -> "the moving subscriber did not reconnect\n" + tails(nodes)
                    + survivorTails(nodes, victim));
            flows(List.of(other, move), 100, 90_000, nodes);
            assertTrue(stay.link.client().isConnected(), "the staying subscriber must still be connected to the paused node");
            while (System.nanoTime() - pausedAt < TimeUnit.MILLISECONDS.toNanos(PAUSE_AT_LEAST_MILLIS)) {
                other.awaitReceived(other.received + 1, 1000); // traffic while the pause lasts
            }
            victim.resume();
            Integer exit = victim.awaitExit(30_000);
            if (exit == null) {
                victim.carriesOn(); // a majority still counted it: it serves on
            } else {
                assertEquals(FENCED_EXIT_CODE, exit, () -> name + " exited otherwise than fenced\n" + victim.tail());
                fenced++;
                victim.start(); // as its supervisor would: from its journal, dropping what others serve now (E5)
            }
            assertTrue(stay.link.awaitConnected(90_000), () -> "the staying subscriber did not reconnect\n" + tails(nodes));
            flows(subs, 100, 90_000, nodes);
        }

        Outcome o = stopAndCount(pubs, threads, subs, nodes);
        System.out.printf("cluster pause test: %d pauses of %d nodes (%d fenced); QoS 2: %d messages to %d subscribers, "
                + "%d lost, %d duplicated%n", done, NODES, fenced, o.messages(), subs.size(), o.lost(), o.duplicated());
        o.assertExactlyOnce();
        assertTrue(done >= Math.min(pauses, 1), "nodes were paused");
    }

    /** What the subscribers got of what the publishers handed over, and what to show when it is not all exactly once. */
    record Outcome(int messages, long lost, long duplicated, String details) {

        void assertExactlyOnce() {
            assertEquals(0, duplicated, () -> "QoS 2 duplicates\n" + details);
            assertEquals(0, lost, () -> "QoS 2 lost\n" + details);
        }
    }

    /** Stops the publishers, checks they ended without a failure, and waits (up to 2 minutes) for every subscriber to get all they handed over. */
    static Outcome stopAndCount(List<Publisher> pubs, List<Thread> threads, List<Subscriber> subs, List<BrokerProcess> nodes)
            throws InterruptedException {
        pubs.forEach(Publisher::stop);
        for (Thread t : threads) {
            t.join(TimeUnit.MINUTES.toMillis(3));
        }
        for (Publisher p : pubs) {
            assertEquals(null, p.failure, () -> "publisher " + p.index + ": " + p.failure + "\n" + tails(nodes));
        }
        int[] accepted = pubs.stream().mapToInt(p -> p.handedOver).toArray();
        long lost = 0;
        long duplicated = 0;
        for (Subscriber s : subs) {
            s.awaitComplete(accepted, 120_000);
            lost += s.missing(accepted);
            duplicated += s.duplicated();
        }
        return new Outcome(java.util.Arrays.stream(accepted).sum(), lost, duplicated, describe(subs, accepted) + tails(nodes));
    }

    /** Numbered QoS 2 messages ({@code index:number}) on {@code pause/<index>} until stopped, at most WINDOW unacknowledged. */
    static final class Publisher implements Runnable {
        final Link link;
        final int index;
        final Semaphore window = new Semaphore(CrashTest.WINDOW);
        /** A token bucket refilled RATE times a second, at most one second's worth. */
        final Semaphore tokens = new Semaphore(0);
        volatile int handedOver;
        volatile boolean stopped;
        volatile Throwable failure;

        Publisher(Link link, int index, ScheduledExecutorService pace) {
            this.link = link;
            this.index = index;
            link.onDelivered(window::release);
            pace.scheduleAtFixedRate(() -> {
                if (tokens.availablePermits() < RATE) {
                    tokens.release();
                }
            }, 0, 1000 / RATE, TimeUnit.MILLISECONDS);
        }

        void stop() {
            stopped = true;
        }

        /** Starts publishing on a thread of its own, added to {@code threads}. */
        Publisher startOn(List<Thread> threads) {
            Thread t = new Thread(this, "publisher-" + index);
            threads.add(t);
            t.start();
            return this;
        }

        @Override
        public void run() {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
            try {
                link.connect(deadline);
                int next = 1;
                while (!stopped && next <= MAX_PER_PUBLISHER) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("publishing timed out at " + next);
                    }
                    if (!tokens.tryAcquire(10, TimeUnit.SECONDS) || !window.tryAcquire(90, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("no acknowledgement for 90 s at " + next);
                    }
                    try {
                        link.client().publish("pause/" + index, (index + ":" + next).getBytes(StandardCharsets.UTF_8), 2, false);
                        handedOver = next++;
                    } catch (MqttException notSent) {
                        // Paho did not take it (not connected): the same number is tried again, it is no duplicate
                        window.release();
                        link.awaitConnected(1000);
                    }
                }
                if (!window.tryAcquire(CrashTest.WINDOW, 180, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("last messages not acknowledged within 180 s");
                }
            } catch (Throwable t) {
                failure = t;
            }
        }
    }

    /** One subscriber's link and what it got: a count per publisher and number ("publisher:number" payloads). */
    static final class Subscriber extends Tally {
        final Link link;

        Subscriber(Link link) {
            super(NODES, MAX_PER_PUBLISHER, Numbered::publisherColonNumber);
            this.link = link;
            link.onMessage(m -> count(m.getPayload()));
        }

        String describe(int[] accepted) {
            StringBuilder b = new StringBuilder(link.client().getClientId()).append(':');
            for (int p = 0; p < NODES; p++) {
                b.append(" pause/").append(p).append(" missing ").append(firstMissing(p, accepted[p], 10))
                        .append(" twice ").append(firstDuplicated(p, 10));
            }
            return b.append('\n').toString();
        }
    }

    private Subscriber subscriber(List<BrokerProcess> nodes, int preferred, String clientId, int keepAlive, long deadline) throws Exception {
        return subscriber(closeables, nodes, preferred, clientId, keepAlive, deadline);
    }

    /** A kept-session subscriber to every publisher's stream, connected (to {@code nodes[preferred]} if it is up). */
    static Subscriber subscriber(Closeables closeables, List<BrokerProcess> nodes, int preferred, String clientId, int keepAlive,
                                 long deadline) throws Exception {
        Link l = closeables.add(new Link(nodes, preferred, clientId, CrashTest.WINDOW)).keepAlive(keepAlive);
        Subscriber t = new Subscriber(l);
        l.connect(deadline);
        l.client().subscribe("pause/+", 2).waitForCompletion(10_000);
        return t;
    }

    /** Waits until each subscriber got {@code more} messages more than now. */
    static void flows(List<Subscriber> subs, int more, long timeoutMillis, List<BrokerProcess> nodes) throws InterruptedException {
        for (Subscriber s : subs) {
            int target = s.received + more;
            assertTrue(s.awaitReceived(target, timeoutMillis),
                    () -> s.link.client().getClientId() + " got no traffic (" + s.received + " < " + target + ")\n" + tails(nodes));
        }
    }

    /** Waits until {@code sub} got a number of {@code pub}'s stream handed over after now: the stream goes on. */
    static void awaitStreamPast(Subscriber sub, Publisher pub, long timeoutMillis, List<BrokerProcess> nodes)
            throws InterruptedException {
        int next = pub.handedOver + 1;
        assertTrue(sub.awaitNumber(pub.index, next, timeoutMillis),
                () -> "publisher " + pub.index + "'s number " + next + " did not arrive\n" + tails(nodes));
    }

    static String survivorTails(List<BrokerProcess> nodes, BrokerProcess except) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i) != except) {
                b.append("--- last lines of n").append(i + 1).append(":\n").append(nodes.get(i).tail()).append('\n');
            }
        }
        return b.toString();
    }

    /** The node the client is connected to now. */
    private static int nodeOf(Link link, List<BrokerProcess> nodes) {
        String uri = link.client().getCurrentServerURI();
        for (int i = 0; i < nodes.size(); i++) {
            if (uri.endsWith(":" + nodes.get(i).port())) {
                return i;
            }
        }
        throw new IllegalStateException("not connected to any node: " + uri);
    }

    static boolean awaitAnyLog(List<BrokerProcess> nodes, BrokerProcess except, String text, long timeoutMillis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            for (BrokerProcess p : nodes) {
                if (p != except && p.awaitLog(text, 25)) {
                    return true;
                }
            }
        }
        return false;
    }

    private List<BrokerProcess> startCluster() throws Exception {
        // a subscriber away for the whole pause must not overflow its queue: no message may be dropped here
        Path config = java.nio.file.Files.writeString(folder.resolve("oncemq.yaml"), "max-queued: 200000\n");
        return NodeJvms.startCluster(folder, closeables, NODES, "pause", "--config", config.toString());
    }

    private static String describe(List<Subscriber> subs, int[] accepted) {
        StringBuilder b = new StringBuilder("accepted per publisher ").append(java.util.Arrays.toString(accepted)).append('\n');
        subs.forEach(s -> b.append(s.describe(accepted)));
        return b.toString();
    }

    /** What each node logged about members, fences and adoptions, every start. */
    static String tails(List<BrokerProcess> nodes) {
        return BrokerProcess.logLinesMatching(nodes, "Fence|Adoption|ClusterNode|Takeover|connected|left;|joined;|waited|nobody|ERROR|Exception: |^\\s+at io\\.oncemq");
    }

    private Link link(List<BrokerProcess> nodes, int preferred, String clientId) throws MqttException {
        Link l = new Link(nodes, preferred, clientId, CrashTest.WINDOW);
        closeables.add(l);
        return l;
    }
}
