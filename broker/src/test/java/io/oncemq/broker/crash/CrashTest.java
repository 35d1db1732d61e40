package io.oncemq.broker.crash;

import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker in its own JVM is killed with SIGKILL at random moments while kept-session clients stream
 * numbered QoS 2 and QoS 1 messages, and restarted on the same journal each time. In the end the QoS 2
 * subscriber has every number exactly once, the QoS 1 subscriber every number at least once
 * (DESIGN.md §3: the oracle). Kills: {@code -Doncemq.crash.kills} (3 by default, 200 with -Pchaos).
 */
class CrashTest {

    static final int WINDOW = 20;

    @TempDir
    Path folder;
    @RegisterExtension
    final Closeables closeables = new Closeables();

    /** A publisher of numbers 1..n on its topic, keeping at most WINDOW unacknowledged. */
    static final class Publisher implements Runnable {
        final Link link;
        final String topic;
        final int qos;
        final int n;
        final long minutes;
        final Semaphore window = new Semaphore(WINDOW);
        /** The last number to publish: n, or fewer once {@link #stop()} is called. */
        private volatile int last;
        volatile int handedOver;
        /** When each number was handed to the client (epoch millis), to place a lost one among the kills in the logs. */
        final AtomicLongArray handedAt;
        volatile Throwable failure;
        /** The highest number it may publish now (a test paces the stream by raising it). */
        private int allowed = Integer.MAX_VALUE;

        Publisher(Link link, String topic, int qos, int n) {
            this(link, topic, qos, n, 20);
        }

        /** Gives up after {@code minutes}: long kill runs publish for longer. */
        Publisher(Link link, String topic, int qos, int n, long minutes) {
            this.link = link;
            this.topic = topic;
            this.qos = qos;
            this.n = n;
            this.minutes = minutes;
            this.last = n;
            this.handedAt = new AtomicLongArray(n + 1);
            link.onDelivered(window::release);
        }

        /** Publishes no new number from now on; the ones handed over are still acknowledged before run() ends. */
        void stop() {
            last = 0;
        }

        /** From now on publishes numbers up to {@code number} only, until allowed more. */
        synchronized void allowUpTo(int number) {
            allowed = number;
            notifyAll();
        }

        private synchronized void awaitAllowed(int number, long deadline) throws InterruptedException {
            while (number > allowed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException(topic + ": never allowed to publish " + number);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        @Override
        public void run() {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
            try {
                link.connect(deadline);
                int next = 1;
                while (next <= last) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(topic + ": publishing timed out at " + next);
                    }
                    awaitAllowed(next, deadline);
                    if (!window.tryAcquire(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException(topic + ": no acknowledgement for 60 s at " + next);
                    }
                    try {
                        link.client().publish(topic, String.valueOf(next).getBytes(StandardCharsets.UTF_8), qos, false);
                        handedAt.set(next, System.currentTimeMillis());
                        handedOver = next++;
                    } catch (MqttException notSent) {
                        // Paho did not take it (not connected): the same number is tried again, it is no duplicate
                        window.release();
                        link.awaitConnected(1000);
                    }
                }
                // every message acknowledged by the broker: all permits back
                if (!window.tryAcquire(WINDOW, 120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(topic + ": last messages not acknowledged within 120 s");
                }
            } catch (Throwable t) {
                failure = t;
            }
        }
    }

    /** A subscriber to one publisher's numbers ("number" payloads). */
    static final class Subscriber extends Tally {
        /** Numbers 1..expected must all arrive: n, or fewer when the publisher stopped early. */
        private volatile int expected;

        Subscriber(Link link, int n) {
            super(1, n, Numbered::number);
            expected = n;
            link.onMessage(m -> count(m.getPayload()));
        }

        /**
         * Until this subscriber's node is in the route table of {@code publisher}'s node: QoS 0 probes (number 0,
         * which no count checks) until one arrives.
         */
        void awaitRouteFrom(Link publisher, String topic, long deadlineNanos) throws MqttException, InterruptedException {
            do {
                if (System.nanoTime() > deadlineNanos) {
                    throw new IllegalStateException("no route from the publisher's node to the subscriber's");
                }
                publisher.client().publish(topic, "0".getBytes(StandardCharsets.UTF_8), 0, false);
            } while (!awaitReceived(1, 100));
        }

        /** Only numbers up to {@code last} are expected (the publisher stopped after it). */
        void expectUpTo(int last) {
            expected = last;
        }

        int missing() {
            return missing(new int[] {expected});
        }

        /** The first missing numbers, for a failure message. */
        List<Integer> firstMissing(int max) {
            return firstMissing(0, expected, max);
        }

        /** The first numbers received more than once, for a failure message. */
        List<Integer> firstDuplicated(int max) {
            return firstDuplicated(0, max);
        }

        /** Waits until no number is missing, or the timeout passes. */
        boolean awaitComplete(long timeoutMillis) throws InterruptedException {
            return awaitComplete(new int[] {expected}, timeoutMillis);
        }
    }

    @Test
    void killNineNeverLosesNorDuplicatesQos2() throws Exception {
        int kills = Integer.getInteger("oncemq.crash.kills", 3);
        int n = Math.max(2000, kills * 300);
        BrokerProcess broker = new BrokerProcess(folder);
        closeables.add(broker);
        broker.start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);

        Link sub2Link = link(broker, "crash-sub-q2");
        Link sub1Link = link(broker, "crash-sub-q1");
        Subscriber sub2 = new Subscriber(sub2Link, n);
        Subscriber sub1 = new Subscriber(sub1Link, n);
        sub2Link.connect(deadline);
        sub1Link.connect(deadline);
        sub2Link.client().subscribe("crash/q2", 2).waitForCompletion(10_000);
        sub1Link.client().subscribe("crash/q1", 1).waitForCompletion(10_000);

        Publisher pub2 = new Publisher(link(broker, "crash-pub-q2"), "crash/q2", 2, n);
        Publisher pub1 = new Publisher(link(broker, "crash-pub-q1"), "crash/q1", 1, n);
        Thread t2 = new Thread(pub2, "publisher-q2");
        Thread t1 = new Thread(pub1, "publisher-q1");
        t2.start();
        t1.start();

        Random random = new Random();
        long seed = random.nextLong();
        random.setSeed(seed);
        int done = 0;
        for (int k = 0; k < kills && pub2.handedOver < n; k++) {
            // a random moment: after a random number of further deliveries, mid-handshake for some of them
            int target = sub2.received + 1 + random.nextInt(Math.max(1, n / (kills + 1)));
            sub2.awaitReceived(Math.min(target, n), 30_000);
            broker.kill();
            done++;
            broker.start();
        }
        t2.join(TimeUnit.MINUTES.toMillis(10));
        t1.join(TimeUnit.MINUTES.toMillis(10));
        assertEquals(null, pub2.failure, () -> "QoS 2 publisher: " + pub2.failure + "\n" + broker.tail());
        assertEquals(null, pub1.failure, () -> "QoS 1 publisher: " + pub1.failure + "\n" + broker.tail());

        boolean complete2 = sub2.awaitComplete(60_000);
        boolean complete1 = sub1.awaitComplete(60_000);
        System.out.printf("crash test: %d kills (seed %d); QoS 2: %d published, %d received, %d lost, %d duplicated; "
                        + "QoS 1: %d published, %d received, %d lost, %d duplicated%n",
                done, seed, n, sub2.received, sub2.missing(), sub2.duplicated(),
                n, sub1.received, sub1.missing(), sub1.duplicated());
        assertTrue(done >= Math.min(kills, 1), "the broker was killed");
        assertEquals(0, sub2.duplicated(), "QoS 2 duplicates");
        assertTrue(complete2, "QoS 2 lost " + sub2.missing());
        assertTrue(complete1, "QoS 1 lost " + sub1.missing());
    }

    private Link link(BrokerProcess broker, String clientId) throws MqttException {
        Link l = new Link(broker, clientId, WINDOW);
        closeables.add(l);
        return l;
    }
}
