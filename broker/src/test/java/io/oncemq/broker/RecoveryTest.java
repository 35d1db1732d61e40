package io.oncemq.broker;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import io.oncemq.journal.ChronicleJournal;
import io.oncemq.journal.Durability;
import io.oncemq.journal.JournalOptions;
import io.oncemq.journal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.oncemq.broker.RawClient.PUBCOMP;
import static io.oncemq.broker.RawClient.PUBLISH;
import static io.oncemq.broker.RawClient.PUBREC;
import static io.oncemq.broker.RawClient.PUBREL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Start-up from a journal: held receipts that never got routed are routed once (DESIGN.md E3); kept sessions' wills. */
class RecoveryTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    @Test
    void routesAReceiptRecordedButNotRoutedOnceAtStartUp() throws Exception {
        node.restart(journalDir -> {
            try (ChronicleJournal j = ChronicleJournal.open(journalDir, Durability.PAGE_CACHE, JournalOptions.defaults())) {
                CountDownLatch done = new CountDownLatch(1);
                // as a crash leaves it: the receipt and its message are durable, the routing is not
                j.append(List.of(new Record.SessionOpened("sub", 0xFFFFFFFFL),
                        new Record.Subscribed("sub", "u/t", 2, 0),
                        new Record.SessionOpened("pub", 0xFFFFFFFFL),
                        new Record.MessageStored(77, "u/t", 2, false, "unrouted".getBytes(), new byte[0]),
                        new Record.ReceiptHeld("pub", 5, 77)), done::countDown);
                assertTrue(done.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        try (RawClient sub = new RawClient(node.port())) {
            assertEquals(1, sub.connect("sub", false, 0, 4).body()[0], "session present");
            RawClient.Packet p = sub.expect(PUBLISH);
            assertEquals("unrouted", p.payload311());
            sub.ack(PUBREC, p.publishId());
            sub.expect(PUBREL);
            sub.ack(PUBCOMP, p.publishId());
        }
        try (RawClient pub = new RawClient(node.port())) {
            pub.connect("pub", false, 0, 4);
            pub.ack(PUBREL, 5); // the publisher completes its handshake: the receipt was held across the restart
            RawClient.Packet comp = pub.expect(PUBCOMP);
            assertEquals(5, comp.packetId());
        }
        node.restart();
        try (RawClient sub = new RawClient(node.port())) {
            sub.connect("sub", false, 0, 4);
            assertTrue(sub.silentFor(Duration.ofMillis(500)), "routed once: not again after another restart");
        }
    }

    /** A kept 5.0 session with a will, connected when the node stops. */
    private Mqtt5BlockingClient connectWithWill() {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier("dying").serverHost("127.0.0.1").serverPort(node.port())
                .willPublish().topic("will/dying").payload("gone".getBytes()).qos(MqttQos.AT_LEAST_ONCE).applyWillPublish()
                .buildBlocking();
        c.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
        return c;
    }

    /** A kept 3.1.1 watcher on will/#, disconnected so that what arrives meanwhile is queued. */
    private void watch() throws Exception {
        new RawClient(node.port()).connectAndSubscribe("watch", false, "will/#", 1).close();
    }

    @Test
    void aKeptSessionsWillIsJournaledAndPublishedAfterTheNodeRestarts_MQTT_3_1_2_7() throws Exception {
        watch();
        Mqtt5BlockingClient dying = connectWithWill();
        node.restart(); // a graceful stop: the server closes the connection (0x8B), the client sent no DISCONNECT
        try (RawClient w = new RawClient(node.port())) {
            assertEquals(1, w.connect("watch", false, 0, 4).body()[0], "session present");
            RawClient.Packet will = w.expect(PUBLISH);
            assertEquals("will/dying", will.topic());
            assertEquals("gone", will.payload311());
            w.ack(RawClient.PUBACK, will.publishId());
        } finally {
            dying.toAsync().disconnect();
        }
        node.restart();
        try (RawClient w = new RawClient(node.port())) {
            w.connect("watch", false, 0, 4);
            assertTrue(w.silentFor(Duration.ofMillis(500)), "published once: not again after another restart");
        }
    }

    @Test
    void aWillDiscardedByDisconnectIsNotPublishedAfterARestart_MQTT_3_1_2_10() throws Exception {
        watch();
        connectWithWill().disconnect();
        node.restart();
        try (RawClient w = new RawClient(node.port())) {
            w.connect("watch", false, 0, 4);
            assertTrue(w.silentFor(Duration.ofMillis(500)), "no will after a normal DISCONNECT");
        }
    }
}
