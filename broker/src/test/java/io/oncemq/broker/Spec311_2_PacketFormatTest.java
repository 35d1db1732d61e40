package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

import static io.oncemq.broker.RawClient.PUBACK;
import static io.oncemq.broker.RawClient.PUBCOMP;
import static io.oncemq.broker.RawClient.PUBLISH;
import static io.oncemq.broker.RawClient.PUBREC;
import static io.oncemq.broker.RawClient.PUBREL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 3.1.1 §2 Packet format: fixed-header flags and packet identifiers. */
class Spec311_2_PacketFormatTest {

    private static final int MAX_INFLIGHT = 3;

    @RegisterExtension
    final TestNode node = new TestNode(Map.of("max-inflight", String.valueOf(MAX_INFLIGHT)));

    private RawClient connected(String id) throws Exception {
        return RawClient.connected311(node.port(), id, true);
    }

    private void assertClosedAfter(byte[] packet) throws Exception {
        RawClient.assertClosedAfter311(node.port(), packet);
    }

    @Test
    void everyPacketTheServerSendsHasTheFlagsOfTable2_2_MQTT_2_2_2_1() throws Exception {
        try (RawClient sub = new RawClient(node.port()); RawClient pub = new RawClient(node.port())) {
            assertEquals(0x20, sub.connect("sub", true, 0, 4).header(), "CONNACK");
            sub.subscribe(1, "f/t", 2, 4);
            assertEquals(0x90, sub.read().header(), "SUBACK");
            pub.connect("pub", true, 0, 4);
            pub.publish("f/t", 1, 1, false, "one", 4);
            assertEquals(0x40, pub.read().header(), "PUBACK");
            pub.publish("f/t", 2, 2, false, "two", 4);
            assertEquals(0x50, pub.read().header(), "PUBREC");
            pub.ack(PUBREL, 2);
            assertEquals(0x70, pub.read().header(), "PUBCOMP");

            RawClient.Packet one = sub.expect(PUBLISH);
            assertEquals(0x32, one.header(), "PUBLISH QoS 1, DUP 0, RETAIN 0");
            sub.ack(PUBACK, one.publishId());
            RawClient.Packet two = sub.expect(PUBLISH);
            assertEquals(0x34, two.header(), "PUBLISH QoS 2, DUP 0, RETAIN 0");
            sub.ack(PUBREC, two.publishId());
            RawClient.Packet rel = sub.read();
            assertEquals(PUBREL, rel.type());
            assertEquals(2, rel.flags(), "PUBREL flags 0010");
            sub.ack(PUBCOMP, two.publishId());

            sub.write(Raw311Packets.unsubscribe(0xA2, 3, "f/t"));
            assertEquals(0xB0, sub.read().header(), "UNSUBACK");
            sub.write(new byte[]{(byte) 0xC0, 0x00});
            assertEquals(0xD0, sub.read().header(), "PINGRESP");
        }
    }

    @Test
    void invalidFixedHeaderFlagsCloseTheConnection_MQTT_2_2_2_2() throws Exception {
        assertClosedAfter(new byte[]{0x60, 0x02, 0x00, 0x01}); // PUBREL 0000
        assertClosedAfter(Raw311Packets.subscribe(0x80, 1, "a", 0)); // SUBSCRIBE 0000
        assertClosedAfter(Raw311Packets.unsubscribe(0xA3, 1, "a")); // UNSUBSCRIBE 0011
        assertClosedAfter(new byte[]{0x41, 0x02, 0x00, 0x01}); // PUBACK 0001
        assertClosedAfter(new byte[]{(byte) 0xC2, 0x00}); // PINGREQ 0010
    }

    @Test
    void packetIdentifierZeroClosesTheConnection_MQTT_2_3_1_1() throws Exception {
        assertClosedAfter(Raw311Packets.publish(0x32, "a", 0, "x".getBytes())); // QoS 1
        assertClosedAfter(Raw311Packets.publish(0x34, "a", 0, "x".getBytes())); // QoS 2
        assertClosedAfter(Raw311Packets.subscribe(0x82, 0, "a", 0));
        assertClosedAfter(Raw311Packets.unsubscribe(0xA2, 0, "a"));
    }

    @Test
    void packetIdentifiersInFlightToAClientAreDistinctAndNonZero_MQTT_2_3_1_4() throws Exception {
        int messages = 10;
        try (RawClient sub = new RawClient(node.port()).connectAndSubscribe("sub", true, "ids/t", 1);
             RawClient pub = connected("pub")) {
            for (int i = 0; i < messages; i++) {
                pub.publish("ids/t", 1, i + 1, false, "m" + i, 4);
                pub.expect(PUBACK);
            }
            Set<Integer> inFlight = new HashSet<>();
            for (int i = 0; i < MAX_INFLIGHT; i++) {
                int id = sub.expect(PUBLISH).publishId();
                assertNotEquals(0, id);
                assertTrue(inFlight.add(id), "id " + id + " already in flight");
            }
            for (int i = MAX_INFLIGHT; i < messages; i++) {
                int acked = inFlight.iterator().next();
                inFlight.remove(acked);
                sub.ack(PUBACK, acked);
                int id = sub.expect(PUBLISH).publishId();
                assertNotEquals(0, id);
                assertTrue(inFlight.add(id), "id " + id + " reused while still unacknowledged");
            }
        }
    }

    @Test
    void qos0PublishCarriesNoPacketIdentifier_MQTT_2_3_1_5() throws Exception {
        try (RawClient sub = new RawClient(node.port()).connectAndSubscribe("sub", true, "q0/t", 2);
             RawClient pub = connected("pub")) {
            pub.publish("q0/t", 0, 0, false, "hi", 4);
            RawClient.Packet p = sub.expect(PUBLISH);
            // 30, remaining length 8, topic length 4, "q0/t", payload "hi"
            assertEquals("30" + "08" + "0004" + "71302f74" + "6869",
                    HexFormat.of().formatHex(new byte[]{(byte) p.header(), (byte) p.body().length}) + HexFormat.of().formatHex(p.body()),
                    "topic then payload, no packet identifier");
        }
    }

    @Test
    void subackAndUnsubackCarryTheRequestsPacketIdentifier_MQTT_2_3_1_7() throws Exception {
        try (RawClient c = connected("ids")) {
            c.write(Raw311Packets.subscribe(0x82, 0x1234, "a/b", 1));
            assertEquals("1234", HexFormat.of().formatHex(c.read().body(), 0, 2));
            c.write(Raw311Packets.unsubscribe(0xA2, 0xABCD, "a/b"));
            RawClient.Packet unsuback = c.read();
            assertEquals(0xB0, unsuback.header());
            assertEquals(0xABCD, unsuback.packetId());
            assertEquals(2, unsuback.body().length, "UNSUBACK body is the packet identifier only");
        }
    }
}
