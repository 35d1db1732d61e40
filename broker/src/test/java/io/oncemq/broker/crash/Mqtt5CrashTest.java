package io.oncemq.broker.crash;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The crash test's oracle with MQTT 5 clients (HiveMQ MQTT Client, session expiry 600 s, automatic
 * reconnect): the broker in its own JVM is killed with SIGKILL at random moments while a QoS 2 publisher
 * streams numbered messages to a QoS 2 subscriber; in the end the subscriber has every number exactly once.
 */
class Mqtt5CrashTest {

    private static final int WINDOW = 20;

    @TempDir
    Path folder;
    @RegisterExtension
    final Closeables closeables = new Closeables();

    private Mqtt5AsyncClient client(BrokerProcess broker, String id) {
        Mqtt5AsyncClient c = Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1").serverPort(broker.port())
                .automaticReconnect().initialDelay(50, TimeUnit.MILLISECONDS).maxDelay(500, TimeUnit.MILLISECONDS).applyAutomaticReconnect()
                .buildAsync();
        closeables.add(() -> c.disconnect().exceptionally(t -> null).get(5, TimeUnit.SECONDS));
        return c;
    }

    private static void connect(Mqtt5AsyncClient c) throws Exception {
        c.connectWith().cleanStart(false).sessionExpiryInterval(600).send().get(30, TimeUnit.SECONDS);
    }

    @Test
    void killNineNeverLosesNorDuplicatesQos2ForMqtt5Clients() throws Exception {
        int kills = Integer.getInteger("oncemq.crash.kills", 3);
        int n = Math.max(2000, kills * 300);
        BrokerProcess broker = new BrokerProcess(folder);
        closeables.add(broker);
        broker.start();

        Tally tally = new Tally(1, n, Tally.Numbered::number);
        Mqtt5AsyncClient sub = client(broker, "crash5-sub");
        sub.publishes(MqttGlobalPublishFilter.ALL, p -> tally.count(p.getPayloadAsBytes()));
        connect(sub);
        sub.subscribeWith().topicFilter("crash5/q2").qos(MqttQos.EXACTLY_ONCE).send().get(10, TimeUnit.SECONDS);

        Mqtt5AsyncClient pub = client(broker, "crash5-pub");
        connect(pub);
        Semaphore window = new Semaphore(WINDOW);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread publisher = new Thread(() -> {
            try {
                for (int next = 1; next <= n && failure.get() == null; next++) {
                    assertTrue(window.tryAcquire(120, TimeUnit.SECONDS), "no acknowledgement for 120 s at " + next);
                    // the client keeps the PUBLISH across reconnects and completes it at PUBCOMP, whatever the kills
                    pub.publishWith().topic("crash5/q2").qos(MqttQos.EXACTLY_ONCE)
                            .payload(String.valueOf(next).getBytes(StandardCharsets.UTF_8)).send()
                            .whenComplete((r, t) -> {
                                if (t != null) {
                                    failure.compareAndSet(null, t);
                                }
                                window.release();
                            });
                }
                assertTrue(window.tryAcquire(WINDOW, 120, TimeUnit.SECONDS), "last messages not acknowledged");
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "publisher-q2-v5");
        publisher.start();

        Random random = new Random();
        long seed = random.nextLong();
        random.setSeed(seed);
        int done = 0;
        int seen = 0;
        for (int k = 0; k < kills && seen < n; k++) {
            seen += 1 + random.nextInt(Math.max(1, n / (kills + 1)));
            assertTrue(tally.awaitReceived(seen, 60_000), "deliveries stalled before kill " + (k + 1));
            broker.kill();
            done++;
            broker.start();
        }
        publisher.join(TimeUnit.MINUTES.toMillis(5));
        assertNull(failure.get(), () -> "publisher: " + failure.get() + "\n" + broker.tail());

        int[] expected = {n};
        tally.awaitComplete(expected, 60_000);
        System.out.printf("mqtt5 crash test: %d kills (seed %d); QoS 2: %d published, %d lost, %d duplicated%n",
                done, seed, n, tally.missing(expected), tally.duplicated());
        assertTrue(done >= Math.min(kills, 1), "the broker was killed");
        assertEquals(0, tally.duplicated(), "QoS 2 duplicates");
        assertEquals(0, tally.missing(expected), "QoS 2 lost");
    }
}
