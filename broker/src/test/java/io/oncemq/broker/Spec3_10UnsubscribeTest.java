package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static io.oncemq.broker.RawClient.bytes;
import static io.oncemq.broker.RawClient.field;
import static io.oncemq.broker.RawClient.packet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 5.0 §3.10 UNSUBSCRIBE and §3.11 UNSUBACK. */
class Spec3_10UnsubscribeTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    private void assertDisconnectedWith(byte[] afterConnect, int reason) throws Exception {
        RawClient.assertDisconnectedAfter5(node.port(), afterConnect, reason);
    }

    @Test
    void unsubscribeWithFlags0000IsMalformed_MQTT_3_10_1_1() throws Exception {
        assertDisconnectedWith(packet(0xA0, bytes(0, 1, 0), field("a")), 0x81);
    }

    @Test
    void topicFilterThatIsNotUtf8IsMalformed_MQTT_3_10_3_1() throws Exception {
        assertDisconnectedWith(packet(0xA2, bytes(0, 1, 0), field(bytes('a', '/', 0xC3, 0x28))), 0x81);
    }

    @Test
    void unsubscribeWithoutTopicFiltersIsAProtocolError_MQTT_3_10_3_2() throws Exception {
        assertDisconnectedWith(packet(0xA2, bytes(0, 1, 0)), 0x82);
    }

    @Test
    void deliveryStartedBeforeUnsubscribeIsCompleted_MQTT_3_10_4_3() throws Exception {
        try (RawClient sub = RawClient.connected5(node.port(), "sub"); RawClient pub = RawClient.connected5(node.port(), "pub")) {
            sub.subscribe(1, "us/#", 2, 5);
            sub.expect(RawClient.SUBACK);
            pub.publish("us/a", 2, 1, false, "x", 5);
            RawClient.Packet delivery = sub.expect(RawClient.PUBLISH);
            sub.unsubscribe5(2, "us/#");
            assertEquals(RawClient.UNSUBACK, sub.read().type());
            sub.ack(RawClient.PUBREC, delivery.publishId());
            RawClient.Packet pubrel = sub.expect(RawClient.PUBREL);
            assertEquals(delivery.publishId(), pubrel.packetId());
            int reason = pubrel.body().length > 2 ? pubrel.body()[2] & 0xFF : 0;
            assertEquals(0x00, reason, "PUBREL 0x00, not Packet Identifier not found");
        }
    }

    @Test
    void severalFiltersGetOneUnsubackWithACodePerFilterInOrder_MQTT_3_10_4_6_and_3_11_3_1() throws Exception {
        try (RawClient sub = RawClient.connected5(node.port(), "sub"); RawClient pub = RawClient.connected5(node.port(), "pub")) {
            sub.subscribe(1, "uf/a", 0, 5);
            sub.expect(RawClient.SUBACK);
            sub.subscribe(2, "uf/b", 0, 5);
            sub.expect(RawClient.SUBACK);
            sub.unsubscribe5(3, "uf/a", "uf/z", "uf/b");
            RawClient.Packet unsuback = sub.read();
            assertEquals(RawClient.UNSUBACK, unsuback.type());
            assertArrayEquals(new byte[]{0x00, 0x11, 0x00}, unsuback.reasonCodes(), "Success, No subscription existed, Success");
            pub.publish("uf/a", 0, 0, false, "a", 5);
            pub.publish("uf/b", 0, 0, false, "b", 5);
            assertTrue(sub.silentFor(Duration.ofMillis(300)), "both subscriptions gone, no second UNSUBACK");
        }
    }

    @Test
    void unsubackLeavesOutReasonStringAndUserPropertiesAboveMaximumPacketSize_MQTT_3_11_2_1_and_3_11_2_2() throws Exception {
        try (RawClient c = RawClient.connected5(node.port(), "tight", bytes(0x27, 0, 0, 0, 16))) {
            c.unsubscribe5(1, "never/there");
            RawClient.Packet unsuback = c.expect(RawClient.UNSUBACK);
            assertArrayEquals(new byte[]{0x11}, unsuback.reasonCodes());
            assertFalse(unsuback.properties(2).containsKey(0x1F));
            assertFalse(unsuback.properties(2).containsKey(0x26));
            assertTrue(2 + unsuback.body().length <= 16);
        }
    }
}
