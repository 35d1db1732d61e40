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

/** MQTT 5.0 §3.8 SUBSCRIBE and §3.9 SUBACK: what is malformed, replacing a subscription, several filters in one packet. */
class Spec3_8SubscribeTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    private void assertDisconnectedWith(byte[] afterConnect, int reason) throws Exception {
        RawClient.assertDisconnectedAfter5(node.port(), afterConnect, reason);
    }

    @Test
    void subscribeWithFlags0000IsMalformed_MQTT_3_8_1_1() throws Exception {
        assertDisconnectedWith(packet(0x80, bytes(0, 1, 0), field("a"), bytes(0)), 0x81);
    }

    @Test
    void topicFilterThatIsNotUtf8IsMalformed_MQTT_3_8_3_1() throws Exception {
        assertDisconnectedWith(packet(0x82, bytes(0, 1, 0), field(bytes('a', '/', 0xC3, 0x28)), bytes(0)), 0x81);
    }

    @Test
    void subscribeWithoutTopicFiltersIsAProtocolError_MQTT_3_8_3_2() throws Exception {
        assertDisconnectedWith(packet(0x82, bytes(0, 1, 0)), 0x82);
    }

    @Test
    void noLocalOnASharedSubscriptionIsAProtocolError_MQTT_3_8_3_4() throws Exception {
        assertDisconnectedWith(packet(0x82, bytes(0, 1, 0), field("$share/g/t"), bytes(0x04 | 1)), 0x82);
    }

    @Test
    void anIdenticalFilterReplacesTheSubscription_MQTT_3_8_4_3() throws Exception {
        try (RawClient sub = RawClient.connected5(node.port(), "sub"); RawClient pub = RawClient.connected5(node.port(), "pub")) {
            sub.subscribe(1, "rep/t", 0, 5);
            sub.expect(RawClient.SUBACK);
            sub.subscribe(2, "rep/t", 2, 5);
            assertEquals(2, sub.expect(RawClient.SUBACK).reasonCodes()[0]);
            pub.publish("rep/t", 2, 1, false, "x", 5);
            RawClient.Packet got = sub.expect(RawClient.PUBLISH);
            assertEquals(2, got.qos(), "delivered at the new subscription's QoS");
            sub.ack(RawClient.PUBREC, got.publishId());
            sub.expect(RawClient.PUBREL);
            sub.ack(RawClient.PUBCOMP, got.publishId());
            assertTrue(sub.silentFor(Duration.ofMillis(300)), "one copy: the old subscription is gone");
        }
    }

    @Test
    void replacingResendsRetainedMessagesAndKeepsTheFlow_MQTT_3_8_4_4() throws Exception {
        try (RawClient sub = RawClient.connected5(node.port(), "sub"); RawClient pub = RawClient.connected5(node.port(), "pub")) {
            pub.write(packet(0x31, field("rp/x"), bytes(0), "kept".getBytes()));
            pub.publish("rp/sync", 1, 1, false, "", 5);
            pub.expect(RawClient.PUBACK);
            sub.subscribe(1, "rp/x", 0, 5);
            sub.expect(RawClient.SUBACK);
            assertEquals("kept", sub.expect(RawClient.PUBLISH).payload5());
            sub.subscribe(2, "rp/x", 0, 5); // Retain Handling 0
            sub.expect(RawClient.SUBACK);
            assertEquals("kept", sub.expect(RawClient.PUBLISH).payload5(), "retained sent again on the replacing SUBSCRIBE");
            pub.publish("rp/x", 0, 0, false, "live", 5);
            assertEquals("live", sub.expect(RawClient.PUBLISH).payload5(), "publications still flow");
        }
    }

    @Test
    void severalFiltersGetOneSubackWithACodePerFilterInOrder_MQTT_3_8_4_5_and_3_8_4_6_and_3_9_3_1() throws Exception {
        try (RawClient sub = RawClient.connected5(node.port(), "sub"); RawClient pub = RawClient.connected5(node.port(), "pub")) {
            sub.write(packet(0x82, bytes(0, 9, 0), field("mf/a"), bytes(2), field("mf/#/c"), bytes(0), field("mf/c"), bytes(0)));
            RawClient.Packet suback = sub.read();
            assertEquals(RawClient.SUBACK, suback.type());
            assertEquals(9, suback.packetId());
            assertArrayEquals(new byte[]{2, (byte) 0x8F, 0}, suback.reasonCodes(), "granted 2, Topic Filter invalid, granted 0");
            pub.publish("mf/a", 0, 0, false, "a", 5);
            pub.publish("mf/c", 0, 0, false, "c", 5);
            assertEquals("mf/a", sub.read().topic());
            assertEquals("mf/c", sub.read().topic());
            assertTrue(sub.silentFor(Duration.ofMillis(300)), "no second SUBACK");
        }
    }

    @Test
    void subackLeavesOutReasonStringAndUserPropertiesAboveMaximumPacketSize_MQTT_3_9_2_1_and_3_9_2_2() throws Exception {
        try (RawClient c = RawClient.connected5(node.port(), "tight", bytes(0x27, 0, 0, 0, 16))) {
            c.subscribe(1, "bad/#/filter", 0, 5);
            RawClient.Packet suback = c.expect(RawClient.SUBACK);
            assertArrayEquals(new byte[]{(byte) 0x8F}, suback.reasonCodes());
            assertFalse(suback.properties(2).containsKey(0x1F));
            assertFalse(suback.properties(2).containsKey(0x26));
            assertTrue(2 + suback.body().length <= 16);
        }
    }
}
