package io.oncemq.broker;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.oncemq.broker.RawClient.PUBACK;
import static io.oncemq.broker.RawClient.PUBCOMP;
import static io.oncemq.broker.RawClient.PUBLISH;
import static io.oncemq.broker.RawClient.PUBREC;
import static io.oncemq.broker.RawClient.PUBREL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 3.1.1 §3.3 PUBLISH: DUP, QoS and RETAIN flags, and the server's actions on receipt. */
class Spec311_3_3PublishTest {

    private static final Duration QUIET = Duration.ofMillis(300);

    @RegisterExtension
    final TestNode node = new TestNode();

    /** Arrived messages as "topic:payload:qos:retained". */
    private final BlockingQueue<String> arrived = new LinkedBlockingQueue<>();

    private MqttClient paho(String id) throws Exception {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + node.port(), id, new MemoryPersistence());
        c.connect(o);
        return c;
    }

    /** Publishes with Paho at 3.1.1 and waits for the broker's acknowledgement (QoS 1 and 2). */
    private void pahoPublish(String topic, String payload, int qos, boolean retain) throws Exception {
        MqttClient pub = paho("pub");
        pub.publish(topic, payload.getBytes(), qos, retain);
        pub.disconnect();
        pub.close();
    }

    /** Subscribes a new Paho client; what arrives goes to {@link #arrived}. */
    private MqttClient pahoSubscriber(String filter) throws Exception {
        MqttClient sub = paho("sub");
        sub.subscribe(filter, 2, (t, m) -> arrived.add(t + ":" + new String(m.getPayload()) + ":" + m.getQos() + ":" + m.isRetained()));
        return sub;
    }

    private RawClient raw(String id) throws Exception {
        return RawClient.connected311(node.port(), id, true);
    }

    @Test
    void qos0DeliveryHasDup0EvenFromADupPublish_MQTT_3_3_1_2() throws Exception {
        try (RawClient sub = new RawClient(node.port()).connectAndSubscribe("sub", true, "d/t", 0); RawClient pub = raw("pub")) {
            pub.publish("d/t", 1, 1, true, "resent", 4); // DUP 1 at QoS 1, delivered at QoS 0
            pub.expect(PUBACK);
            RawClient.Packet p = sub.expect(PUBLISH);
            assertEquals(0x30, p.header(), "QoS 0, DUP 0");
        }
    }

    @Test
    void dupFromThePublisherIsNotCopiedToTheSubscriber_MQTT_3_3_1_3() throws Exception {
        try (RawClient sub = new RawClient(node.port()).connectAndSubscribe("sub", true, "d/t", 2); RawClient pub = raw("pub")) {
            pub.publish("d/t", 1, 1, true, "first time", 4);
            pub.expect(PUBACK);
            pub.publish("d/t", 2, 2, true, "first time", 4);
            pub.expect(PUBREC);
            pub.ack(PUBREL, 2);
            pub.expect(PUBCOMP);
            RawClient.Packet one = sub.expect(PUBLISH);
            assertFalse(one.dup(), "a first delivery has DUP 0");
            assertEquals(1, one.qos());
            sub.ack(PUBACK, one.publishId());
            RawClient.Packet two = sub.expect(PUBLISH);
            assertFalse(two.dup(), "a first delivery has DUP 0");
            assertEquals(2, two.qos());
        }
    }

    @Test
    void publishWithBothQosBitsSetClosesTheConnection_MQTT_3_3_1_4() throws Exception {
        try (RawClient watcher = new RawClient(node.port()).connectAndSubscribe("watcher", true, "#", 0); RawClient c = raw("qos3")) {
            c.write(Raw311Packets.publish(0x36, "q3/t", 1, "x".getBytes()));
            assertTrue(c.closedWithin(Duration.ofSeconds(5)));
            assertTrue(watcher.silentFor(QUIET), "nothing routed");
        }
    }

    @Test
    void retainedMessageIsStoredForLaterSubscribers_MQTT_3_3_1_5() throws Exception {
        pahoPublish("r/door", "open", 1, true);
        MqttClient sub = pahoSubscriber("r/door");
        assertEquals("r/door:open:1:true", arrived.poll(5, TimeUnit.SECONDS));
        sub.disconnect();
    }

    @Test
    void newWildcardSubscriptionGetsTheLastRetainedMessageOfEachMatchingTopic_MQTT_3_3_1_6() throws Exception {
        pahoPublish("r/door", "open", 1, true);
        pahoPublish("r/door", "closed", 1, true);
        pahoPublish("r/window", "shut", 0, true);
        pahoPublish("other/x", "no", 1, true);
        MqttClient sub = pahoSubscriber("r/+");
        Map<String, String> got = new HashMap<>();
        for (int i = 0; i < 2; i++) {
            String m = arrived.poll(5, TimeUnit.SECONDS);
            assertNotNull(m, "retained message " + (i + 1) + " of 2");
            got.put(m.split(":")[0], m);
        }
        assertEquals(Map.of("r/door", "r/door:closed:1:true", "r/window", "r/window:shut:0:true"), got);
        assertNull(arrived.poll(300, TimeUnit.MILLISECONDS));
        sub.disconnect();
    }

    @Test
    void qos0RetainedPublishReplacesTheRetainedMessage_MQTT_3_3_1_7() throws Exception {
        pahoPublish("r/door", "a", 1, true);
        pahoPublish("r/door", "b", 0, true);
        // QoS 0 is not acknowledged: the marker, retained after it on the same loop order, shows it was handled
        pahoPublish("r/marker", "m", 1, true);
        MqttClient sub = pahoSubscriber("r/#");
        Map<String, String> got = new HashMap<>();
        for (int i = 0; i < 2; i++) {
            String m = arrived.poll(5, TimeUnit.SECONDS);
            assertNotNull(m);
            got.put(m.split(":")[0], m);
        }
        assertEquals("r/door:b:0:true", got.get("r/door"));
        assertNull(arrived.poll(300, TimeUnit.MILLISECONDS), "the QoS 1 message 'a' is gone");
        sub.disconnect();
    }

    @Test
    void retainedMessageSentForANewSubscriptionHasRetain1_MQTT_3_3_1_8() throws Exception {
        try (RawClient pub = raw("pub")) {
            pub.write(Raw311Packets.publish(0x33, "r/t", 1, "kept".getBytes())); // QoS 1, RETAIN 1
            pub.expect(PUBACK);
        }
        try (RawClient sub = new RawClient(node.port()).connectAndSubscribe("sub", true, "r/t", 1)) {
            RawClient.Packet p = sub.expect(PUBLISH);
            assertEquals("kept", p.payload311());
            assertEquals(1, p.flags() & 1, "RETAIN");
        }
    }

    @Test
    void retainedPublishToAnEstablishedSubscriptionHasRetain0_MQTT_3_3_1_9() throws Exception {
        try (RawClient sub = new RawClient(node.port()).connectAndSubscribe("sub", true, "r/t", 1); RawClient pub = raw("pub")) {
            pub.write(Raw311Packets.publish(0x33, "r/t", 1, "live".getBytes()));
            pub.expect(PUBACK);
            RawClient.Packet p = sub.expect(PUBLISH);
            assertEquals("live", p.payload311());
            assertEquals(0, p.flags() & 1, "RETAIN");
        }
    }

    @Test
    void retainedEmptyPayloadRemovesTheRetainedMessage_MQTT_3_3_1_10() throws Exception {
        pahoPublish("r/door", "open", 1, true);
        pahoPublish("r/door", "", 1, true);
        pahoPublish("r/marker", "m", 1, true);
        MqttClient sub = pahoSubscriber("r/#");
        assertEquals("r/marker:m:1:true", arrived.poll(5, TimeUnit.SECONDS));
        assertNull(arrived.poll(300, TimeUnit.MILLISECONDS), "r/door was cleared");
        sub.disconnect();
    }

    @Test
    void retainedEmptyPayloadIsNotStoredAcrossARestart_MQTT_3_3_1_11() throws Exception {
        pahoPublish("r/door", "open", 1, true);
        pahoPublish("r/door", "", 1, true);
        pahoPublish("r/marker", "m", 1, true);
        node.restart();
        MqttClient sub = pahoSubscriber("r/#");
        assertEquals("r/marker:m:1:true", arrived.poll(5, TimeUnit.SECONDS));
        assertNull(arrived.poll(300, TimeUnit.MILLISECONDS), "no zero-byte retained message was stored");
        sub.disconnect();
    }

    @Test
    void nonRetainedPublishNeitherStoresNorReplacesTheRetainedMessage_MQTT_3_3_1_12() throws Exception {
        pahoPublish("r/door", "a", 1, true);
        pahoPublish("r/door", "b", 1, false);
        pahoPublish("r/new", "c", 1, false);
        MqttClient sub = pahoSubscriber("r/#");
        assertEquals("r/door:a:1:true", arrived.poll(5, TimeUnit.SECONDS));
        assertNull(arrived.poll(300, TimeUnit.MILLISECONDS));
        sub.disconnect();
    }

    @Test
    void overlappingSubscriptionsDeliverAtTheirMaximumQos_MQTT_3_3_5_1() throws Exception {
        try (RawClient sub = new RawClient(node.port()).connectAndSubscribe("sub", true, "o/#", 0); RawClient pub = raw("pub")) {
            sub.subscribe(2, "o/+", 2, 4);
            sub.expect(RawClient.SUBACK);
            pub.publish("o/t", 2, 1, false, "m", 4);
            pub.expect(PUBREC);
            pub.ack(PUBREL, 1);
            pub.expect(PUBCOMP);
            RawClient.Packet p = sub.expect(PUBLISH);
            assertEquals(2, p.qos());
            assertEquals("m", p.payload311());
        }
    }
}
