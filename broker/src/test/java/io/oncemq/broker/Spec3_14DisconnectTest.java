package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;

import static io.oncemq.broker.RawClient.bytes;
import static io.oncemq.broker.RawClient.concat;
import static io.oncemq.broker.RawClient.field;
import static io.oncemq.broker.RawClient.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 5.0 §3.14 DISCONNECT from the server, and Reason Strings as Request Problem Information allows (§3.1.2.11.7). */
class Spec3_14DisconnectTest {

    private static final int REASON_STRING = 0x1F;
    private static final int SESSION_EXPIRY_INTERVAL = 0x11;
    private static final int USER_PROPERTY = 0x26;
    /** Request Problem Information 0. */
    private static final byte[] NO_PROBLEM_INFORMATION = {0x17, 0x00};
    /** Maximum Packet Size 16: room for a bare DISCONNECT, not for a Reason String. */
    private static final byte[] MAXIMUM_PACKET_SIZE_16 = {0x27, 0x00, 0x00, 0x00, 0x10};

    @RegisterExtension
    final TestNode node = new TestNode();

    private RawClient.Packet disconnectAfterWildcardPublish(byte[] connectProperties) throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            assertEquals(0, c.connect5("wild", connectProperties).body()[1]);
            c.publish("a/+", 0, 0, false, "x", 5);
            return c.expect(RawClient.DISCONNECT);
        }
    }

    @Test
    void serverDisconnectCarriesAReasonString_MQTT_3_14_2_1() throws Exception {
        RawClient.Packet d = disconnectAfterWildcardPublish(new byte[0]);
        assertEquals(0x90, d.body()[0] & 0xFF);
        assertTrue(d.properties(1).get(REASON_STRING) instanceof String why && why.contains("a/+"));
    }

    @Test
    void reasonStringIsLeftOutWhereItWouldExceedTheClientsMaximumPacketSize_MQTT_3_14_2_3() throws Exception {
        RawClient.Packet d = disconnectAfterWildcardPublish(MAXIMUM_PACKET_SIZE_16);
        assertEquals(0x90, d.body()[0] & 0xFF);
        assertFalse(d.properties(1).containsKey(REASON_STRING));
    }

    @Test
    void reasonStringOnAnAcknowledgementOnlyWhenTheClientAsksForProblemInformation_MQTT_3_1_2_29() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.connect5("asks", new byte[0]);
            c.ack(RawClient.PUBREL, 9);
            RawClient.Packet pubcomp = c.expect(RawClient.PUBCOMP);
            assertEquals(0x92, pubcomp.body()[2] & 0xFF);
            assertTrue(pubcomp.properties(3).containsKey(REASON_STRING));
        }
        try (RawClient c = new RawClient(node.port())) {
            c.connect5("quiet", NO_PROBLEM_INFORMATION);
            c.ack(RawClient.PUBREL, 9);
            RawClient.Packet pubcomp = c.expect(RawClient.PUBCOMP);
            assertEquals(0x92, pubcomp.body()[2] & 0xFF);
            assertFalse(pubcomp.properties(3).containsKey(REASON_STRING));
        }
    }

    /** A 5.0 client with a QoS 1 will on {@code will/<clientId>}, connected. */
    private RawClient willClient(String clientId) throws Exception {
        RawClient c = new RawClient(node.port());
        c.write(packet(0x10, field("MQTT"), bytes(5, 0x02 | 0x04 | 0x08, 0, 0, 0), field(clientId), bytes(0), field("will/" + clientId), field("bye")));
        assertEquals(0, c.read().body()[1]);
        return c;
    }

    private RawClient watcher() throws Exception {
        RawClient w = new RawClient(node.port());
        w.connect5("watcher", new byte[0]);
        w.subscribe(1, "will/#", 1, 5);
        w.expect(RawClient.SUBACK);
        return w;
    }

    @Test
    void refusedConnectIsNeverAnsweredWithDisconnect_MQTT_3_14_0_1() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            assertEquals(0x8C, c.connect5("auth", new byte[]{0x15, 0x00, 0x04, 'S', 'C', 'R', 'M'}).body()[1] & 0xFF);
            assertNull(c.readOrEnd(), "no DISCONNECT after a refusing CONNACK");
        }
        try (RawClient c = new RawClient(node.port())) {
            c.write(packet(0x10, field("MQTT"), bytes(5, 0x02 | 0x04 | 0x18, 0, 0, 0), field("q3"), bytes(0), field("w"), field("x")));
            RawClient.Packet p = c.read();
            assertEquals(RawClient.CONNACK, p.type());
            assertEquals(0x81, p.body()[1] & 0xFF);
            assertNull(c.readOrEnd(), "no DISCONNECT for a malformed CONNECT either");
        }
    }

    @Test
    void disconnectWithReservedFlagsIsMalformedAndKeepsTheWill_MQTT_3_14_1_1() throws Exception {
        try (RawClient w = watcher(); RawClient c = willClient("flags")) {
            c.write(bytes(0xE1, 0x00));
            RawClient.Packet p = c.readOrEnd();
            if (p != null) {
                assertEquals(RawClient.DISCONNECT, p.type());
                assertEquals(0x81, p.body()[0] & 0xFF);
            }
            assertTrue(c.closedWithin(Duration.ofSeconds(5)));
            assertEquals("will/flags", w.expect(RawClient.PUBLISH).topic(), "not a normal DISCONNECT: the will goes out");
        }
    }

    @Test
    void serverDisconnectCarriesNoSessionExpiryInterval_MQTT_3_14_2_2() throws Exception {
        RawClient.Packet d = disconnectAfterWildcardPublish(new byte[0]);
        assertEquals(0x90, d.body()[0] & 0xFF);
        assertFalse(d.properties(1).containsKey(SESSION_EXPIRY_INTERVAL));
    }

    @Test
    void userPropertiesAreLeftOutAboveTheClientsMaximumPacketSize_MQTT_3_14_2_4() throws Exception {
        RawClient.Packet d = disconnectAfterWildcardPublish(MAXIMUM_PACKET_SIZE_16);
        assertFalse(d.properties(1).containsKey(USER_PROPERTY));
        assertTrue(2 + d.body().length <= 16);
    }

    @Test
    void nothingFollowsTheServersDisconnect_MQTT_3_14_4_1() throws Exception {
        try (RawClient c = new RawClient(node.port()); RawClient pub = new RawClient(node.port())) {
            assertEquals(0, c.connect5("last", new byte[0]).body()[1]);
            c.subscribe(1, "busy/#", 0, 5);
            c.expect(RawClient.SUBACK);
            pub.connect5("pub", new byte[0]);
            c.publish("a/+", 0, 0, false, "x", 5);
            for (int i = 0; i < 20; i++) {
                pub.publish("busy/" + i, 0, 0, false, "x", 5); // traffic that could follow the DISCONNECT
            }
            c.expect(RawClient.DISCONNECT);
            assertNull(c.readOrEnd(), "end of stream right after DISCONNECT");
        }
    }

    @Test
    void normalDisconnectDiscardsTheWillAndReason0x04KeepsIt_MQTT_3_14_4_3_and_3_1_2_10() throws Exception {
        try (RawClient w = watcher()) {
            try (RawClient c = willClient("normal")) {
                c.write(bytes(0xE0, 0x01, 0x00));
            }
            try (RawClient c = willClient("withwill")) {
                c.write(bytes(0xE0, 0x01, 0x04));
            }
            RawClient.Packet will = w.expect(RawClient.PUBLISH);
            assertEquals("will/withwill", will.topic(), "0x04 publishes the will, 0x00 does not");
            assertTrue(w.silentFor(Duration.ofMillis(400)), "and each will at most once");
        }
    }
}
