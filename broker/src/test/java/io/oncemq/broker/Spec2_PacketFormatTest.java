package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashSet;
import java.util.Set;

import static io.oncemq.broker.RawClient.bytes;
import static io.oncemq.broker.RawClient.field;
import static io.oncemq.broker.RawClient.packet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 5.0 §2 MQTT Control Packet format: reserved flags, Packet Identifiers, Property Length. */
class Spec2_PacketFormatTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    private void assertDisconnectedWith(byte[] afterConnect, int reason) throws Exception {
        RawClient.assertDisconnectedAfter5(node.port(), afterConnect, reason);
    }

    @Test
    void pubrelWithFlags0000IsMalformed_MQTT_2_1_3_1() throws Exception {
        assertDisconnectedWith(packet(0x60, bytes(0, 1, 0)), 0x81);
    }

    @Test
    void subscribeWithFlags0000IsMalformed_MQTT_2_1_3_1() throws Exception {
        assertDisconnectedWith(packet(0x80, bytes(0, 1, 0), field("a"), bytes(0)), 0x81);
    }

    @Test
    void unsubscribeWithFlags0000IsMalformed_MQTT_2_1_3_1() throws Exception {
        assertDisconnectedWith(packet(0xA0, bytes(0, 1, 0), field("a")), 0x81);
    }

    @Test
    void pingreqWithFlags0001IsMalformed_MQTT_2_1_3_1() throws Exception {
        assertDisconnectedWith(bytes(0xC1, 0x00), 0x81);
    }

    @Test
    void pubackWithFlags0001IsMalformed_MQTT_2_1_3_1() throws Exception {
        assertDisconnectedWith(bytes(0x41, 0x02, 0x00, 0x01), 0x81);
    }

    @Test
    void qos0PublishCarriesNoPacketIdentifier_MQTT_2_2_1_2() throws Exception {
        try (RawClient sub = new RawClient(node.port()); RawClient pub = new RawClient(node.port())) {
            sub.connect5("sub", new byte[0]);
            sub.subscribe(1, "q0/#", 0, 5);
            sub.expect(RawClient.SUBACK);
            pub.connect5("pub", new byte[0]);
            pub.publish("q0/a", 1, 1, false, "xyz", 5);
            pub.expect(RawClient.PUBACK);
            RawClient.Packet got = sub.expect(RawClient.PUBLISH);
            assertEquals(0, got.qos());
            // topic (2 + 4), property length 0, payload: no two bytes of packet id in between
            assertArrayEquals(new byte[]{0, 4, 'q', '0', '/', 'a', 0, 'x', 'y', 'z'}, got.body());
        }
    }

    @Test
    void packetIdsInFlightToOneClientAreNonZeroAndDistinct_MQTT_2_2_1_4_and_4_3_2_1_and_4_3_3_1() throws Exception {
        try (RawClient sub = new RawClient(node.port()); RawClient pub = new RawClient(node.port())) {
            sub.connect5("sub", new byte[0]);
            sub.subscribe(1, "ids/#", 2, 5);
            sub.expect(RawClient.SUBACK);
            pub.connect5("pub", new byte[0]);
            for (int i = 1; i <= 20; i++) {
                pub.publish("ids/" + i, i % 2 == 0 ? 2 : 1, i, false, "m" + i, 5);
                pub.expect(i % 2 == 0 ? RawClient.PUBREC : RawClient.PUBACK);
            }
            Set<Integer> ids = new HashSet<>();
            for (int i = 1; i <= 20; i++) {
                RawClient.Packet p = sub.expect(RawClient.PUBLISH); // none acknowledged: all twenty in flight
                assertEquals(i % 2 == 0 ? 2 : 1, p.qos());
                assertNotEquals(0, p.publishId());
                assertTrue(ids.add(p.publishId()), "id " + p.publishId() + " used twice while in flight");
            }
        }
    }

    @Test
    void subackAndUnsubackCarryThePacketIdentifierTheyAnswer_MQTT_2_2_1_6_and_3_8_4_2_and_3_10_4_5() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.connect5("ids", new byte[0]);
            c.subscribe(0x2A2A, "a/b", 1, 5);
            RawClient.Packet suback = c.expect(RawClient.SUBACK);
            assertEquals(0x2A2A, suback.packetId());
            c.unsubscribe5(0x1234, "a/b");
            RawClient.Packet unsuback = c.expect(RawClient.UNSUBACK);
            assertEquals(0x1234, unsuback.packetId());
            c.unsubscribe5(0x0102, "never/subscribed");
            RawClient.Packet none = c.expect(RawClient.UNSUBACK);
            assertEquals(0x0102, none.packetId(), "also when nothing was deleted");
            assertEquals(0x11, none.body()[3] & 0xFF, "No subscription existed");
        }
    }

    @Test
    void ackWithoutPropertiesStillCarriesPropertyLengthZero_MQTT_2_2_2_1() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.connect5("plen", new byte[0]);
            c.subscribe(7, "p/l", 1, 5);
            RawClient.Packet suback = c.expect(RawClient.SUBACK);
            assertArrayEquals(new byte[]{0, 7, 0, 1}, suback.body(), "packet id, property length 0, granted QoS 1");
            c.unsubscribe5(8, "p/l");
            RawClient.Packet unsuback = c.expect(RawClient.UNSUBACK);
            assertArrayEquals(new byte[]{0, 8, 0, 0}, unsuback.body(), "packet id, property length 0, Success");
        }
    }
}
