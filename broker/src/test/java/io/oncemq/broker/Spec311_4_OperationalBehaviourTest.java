package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static io.oncemq.broker.RawClient.PUBLISH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 3.1.1 §4 Operational behaviour: QoS 0 delivery and topic names. */
class Spec311_4_OperationalBehaviourTest {

    private static final Duration QUIET = Duration.ofMillis(300);

    @RegisterExtension
    final TestNode node = new TestNode();

    private RawClient connected(String id) throws Exception {
        return RawClient.connected311(node.port(), id, true);
    }

    @Test
    void qos0IsDeliveredWithQos0AndDup0_MQTT_4_3_1_1() throws Exception {
        try (RawClient sub = new RawClient(node.port()).connectAndSubscribe("sub", true, "q0/#", 2); RawClient pub = connected("pub")) {
            pub.publish("q0/t", 0, 0, false, "once at most", 4);
            RawClient.Packet p = sub.expect(PUBLISH);
            assertEquals(0, p.qos());
            assertFalse(p.dup());
            assertEquals("q0/t", p.topic());
        }
    }

    @Test
    void topicOf65535BytesIsAccepted_MQTT_4_7_3_3() throws Exception {
        String topic = "t/" + "x".repeat(65535 - 2);
        assertEquals(65535, topic.getBytes(StandardCharsets.UTF_8).length);
        try (RawClient sub = new RawClient(node.port()).connectAndSubscribe("sub", true, topic, 0); RawClient pub = connected("pub")) {
            pub.publish(topic, 0, 0, false, "long", 4);
            RawClient.Packet p = sub.expect(PUBLISH);
            assertEquals(topic, p.topic());
        }
    }

    @Test
    void matchingDoesNotNormalizeUnicode_MQTT_4_7_3_4() throws Exception {
        String nfc = "caf\u00e9";
        String nfd = "cafe\u0301";
        try (RawClient sub = new RawClient(node.port()).connectAndSubscribe("sub", true, nfc, 0); RawClient pub = connected("pub")) {
            pub.publish(nfd, 0, 0, false, "decomposed", 4);
            pub.publish(nfc, 0, 0, false, "composed", 4);
            RawClient.Packet p = sub.expect(PUBLISH);
            assertEquals("composed", new String(p.body(), 2 + p.body()[1], p.body().length - 2 - p.body()[1], StandardCharsets.UTF_8),
                    "the NFD topic must not match the NFC filter");
            assertTrue(sub.silentFor(QUIET));
        }
    }
}
