package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Set;

import static io.oncemq.broker.RawClient.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 5.0 §3.4-3.7 PUBACK, PUBREC, PUBREL, PUBCOMP: reason codes, fixed-header flags, properties under a small Maximum Packet Size. */
class Spec3_4To3_7AcknowledgementTest {

    private static final int REASON_STRING = 0x1F;
    private static final int USER_PROPERTY = 0x26;
    /** Maximum Packet Size 16: room for a bare acknowledgement, not for a Reason String. */
    private static final byte[] MAXIMUM_PACKET_SIZE_16 = bytes(0x27, 0, 0, 0, 16);
    /** Payload Format Indicator 1: the payload must be UTF-8. */
    private static final byte[] UTF8_PAYLOAD = bytes(0x01, 0x01);
    private static final byte[] NOT_UTF8 = bytes(0xC3, 0x28);
    private static final Set<Integer> PUBREC_CODES = Set.of(0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99);

    @RegisterExtension
    final TestNode node = new TestNode();

    /** The reason code of a PUBACK/PUBREC/PUBREL/PUBCOMP: 0x00 when left out. */
    private static int reason(RawClient.Packet ack) {
        return ack.body().length > 2 ? ack.body()[2] & 0xFF : 0;
    }

    private static void assertBareWithin16(RawClient.Packet ack) {
        assertFalse(ack.properties(3).containsKey(REASON_STRING), "no Reason String above the Maximum Packet Size");
        assertFalse(ack.properties(3).containsKey(USER_PROPERTY), "no User Property either");
        assertTrue(2 + ack.body().length <= 16);
    }

    private RawClient tight(String clientId) throws Exception {
        RawClient c = new RawClient(node.port());
        assertEquals(0, c.connect5(clientId, MAXIMUM_PACKET_SIZE_16).body()[1]);
        return c;
    }

    @Test
    void errorPubackLeavesOutReasonStringAndUserPropertiesAboveMaximumPacketSize_MQTT_3_4_2_2_and_3_4_2_3() throws Exception {
        try (RawClient c = tight("puback")) {
            c.publish5("ack/a", 1, 3, UTF8_PAYLOAD, NOT_UTF8);
            RawClient.Packet puback = c.expect(RawClient.PUBACK);
            assertEquals(0x99, reason(puback));
            assertBareWithin16(puback);
        }
    }

    @Test
    void pubrecUsesADefinedReasonCode_MQTT_3_5_2_1() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.connect5("pubrec", new byte[0]);
            c.publish5("ack/b", 2, 1, new byte[0], "fine".getBytes());
            RawClient.Packet accepted = c.expect(RawClient.PUBREC);
            assertEquals(0x00, reason(accepted));
            c.publish5("ack/b", 2, 2, UTF8_PAYLOAD, NOT_UTF8);
            RawClient.Packet refused = c.expect(RawClient.PUBREC);
            assertEquals(2, refused.packetId());
            assertTrue(PUBREC_CODES.contains(reason(refused)) && reason(refused) >= 0x80, "code " + reason(refused));
        }
    }

    @Test
    void errorPubrecLeavesOutReasonStringAndUserPropertiesAboveMaximumPacketSize_MQTT_3_5_2_2_and_3_5_2_3() throws Exception {
        try (RawClient c = tight("pubrec")) {
            c.publish5("ack/c", 2, 4, UTF8_PAYLOAD, NOT_UTF8);
            RawClient.Packet pubrec = c.expect(RawClient.PUBREC);
            assertEquals(0x99, reason(pubrec));
            assertBareWithin16(pubrec);
        }
    }

    @Test
    void pubrelFlagsAre0010BothWays_MQTT_3_6_1_1() throws Exception {
        try (RawClient sub = new RawClient(node.port()); RawClient pub = new RawClient(node.port())) {
            sub.connect5("sub", new byte[0]);
            sub.subscribe(1, "rel/#", 2, 5);
            sub.expect(RawClient.SUBACK);
            pub.connect5("pub", new byte[0]);
            pub.publish("rel/a", 2, 1, false, "x", 5);
            RawClient.Packet delivery = sub.expect(RawClient.PUBLISH);
            sub.ack(RawClient.PUBREC, delivery.publishId());
            RawClient.Packet pubrel = sub.expect(RawClient.PUBREL);
            assertEquals(0x2, pubrel.flags(), "the server's PUBREL has flags 0010");
            pub.expect(RawClient.PUBREC);
            pub.write(bytes(0x60, 0x02, 0x00, 0x01)); // PUBREL with flags 0000
            RawClient.Packet d = pub.expect(RawClient.DISCONNECT);
            assertEquals(0x81, d.body()[0] & 0xFF);
            assertTrue(pub.closedWithin(Duration.ofSeconds(5)));
        }
    }

    @Test
    void pubrelUsesADefinedReasonCode_MQTT_3_6_2_1() throws Exception {
        try (RawClient sub = new RawClient(node.port()); RawClient pub = new RawClient(node.port())) {
            sub.connect5("sub", new byte[0]);
            sub.subscribe(1, "rel/#", 2, 5);
            sub.expect(RawClient.SUBACK);
            pub.connect5("pub", new byte[0]);
            pub.publish("rel/b", 2, 1, false, "x", 5);
            RawClient.Packet delivery = sub.expect(RawClient.PUBLISH);
            sub.ack(RawClient.PUBREC, delivery.publishId());
            RawClient.Packet known = sub.expect(RawClient.PUBREL);
            assertEquals(delivery.publishId(), known.packetId());
            assertEquals(0x00, reason(known));
            sub.ack(RawClient.PUBREC, 4242);
            RawClient.Packet unknown = sub.expect(RawClient.PUBREL);
            assertEquals(4242, unknown.packetId());
            assertEquals(0x92, reason(unknown), "Packet Identifier not found");
        }
    }

    @Test
    void pubrelLeavesOutReasonStringAndUserPropertiesAboveMaximumPacketSize_MQTT_3_6_2_2_and_3_6_2_3() throws Exception {
        try (RawClient c = tight("pubrel")) {
            c.ack(RawClient.PUBREC, 77);
            RawClient.Packet pubrel = c.expect(RawClient.PUBREL);
            assertEquals(0x92, reason(pubrel));
            assertBareWithin16(pubrel);
        }
    }

    @Test
    void pubcompLeavesOutReasonStringAndUserPropertiesAboveMaximumPacketSize_MQTT_3_7_2_2_and_3_7_2_3() throws Exception {
        try (RawClient c = tight("pubcomp")) {
            c.ack(RawClient.PUBREL, 78);
            RawClient.Packet pubcomp = c.expect(RawClient.PUBCOMP);
            assertEquals(0x92, reason(pubcomp));
            assertBareWithin16(pubcomp);
        }
    }
}
