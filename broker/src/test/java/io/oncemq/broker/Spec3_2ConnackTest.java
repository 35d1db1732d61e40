package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 5.0 §3.2 CONNACK: when and how often it is sent, its flags, refusals, Server Keep Alive and the Reason String. */
class Spec3_2ConnackTest {

    private static final int SERVER_KEEP_ALIVE = 0x13;
    private static final int REASON_STRING = 0x1F;
    private static final byte[] AUTH_METHOD = {0x15, 0x00, 0x04, 'S', 'C', 'R', 'M'};
    private static final int USER_PROPERTY = 0x26;
    /** Session Expiry Interval 300 s. */
    private static final byte[] KEPT = {0x11, 0, 0, 0x01, 0x2C};

    @RegisterExtension
    final TestNode node = new TestNode(Map.of("max-keep-alive", "1"));

    @Test
    void noKeepAliveIsReplacedByServerKeepAliveAndEnforced_MQTT_3_2_2_21() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            RawClient.Packet connack = c.connect5("forever", 0, new byte[0]);
            assertEquals(0, connack.body()[1]);
            assertEquals(1, connack.properties(2).get(SERVER_KEEP_ALIVE));
            assertTrue(c.closedWithin(Duration.ofSeconds(10)), "silent past 1.5 x Server Keep Alive: closed (MQTT-3.1.2-22)");
        }
    }

    @Test
    void keepAliveAboveTheMaximumIsLowered_MQTT_3_2_2_21() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            RawClient.Packet connack = c.connect5("slow", 600, new byte[0]);
            assertEquals(1, connack.properties(2).get(SERVER_KEEP_ALIVE));
            assertTrue(c.closedWithin(Duration.ofSeconds(10)));
        }
    }

    @Test
    void keepAliveWithinTheMaximumIsKeptAndNotAnnounced() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            RawClient.Packet connack = c.connect5("fine", 1, new byte[0]);
            assertFalse(connack.properties(2).containsKey(SERVER_KEEP_ALIVE));
        }
    }

    @Test
    void refusedConnectCarriesAReasonString() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            RawClient.Packet connack = c.connect5("auth", AUTH_METHOD);
            assertEquals(0x8C, connack.body()[1] & 0xFF);
            assertTrue(connack.properties(2).get(REASON_STRING) instanceof String why && !why.isEmpty());
        }
    }

    @Test
    void connackComesFirstAndOnlyOnce_MQTT_3_2_0_1_and_3_2_0_2_and_3_2_2_1() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            assertEquals(0, c.connect5("queued", false, KEPT).body()[1]);
            c.subscribe(1, "qd/#", 1, 5);
            c.expect(RawClient.SUBACK);
        }
        try (RawClient pub = new RawClient(node.port())) {
            pub.connect5("pub", 1, new byte[0]);
            pub.publish("qd/a", 1, 1, false, "waiting", 5);
            pub.expect(RawClient.PUBACK);
        }
        try (RawClient c = new RawClient(node.port())) {
            RawClient.Packet first = c.connect5("queued", false, KEPT); // connect5 returns the first packet read
            assertEquals(RawClient.CONNACK, first.type(), "CONNACK before the queued PUBLISH");
            assertEquals(0, first.body()[1]);
            assertEquals(1, first.body()[0], "Session Present; bits 7-1 of the flags are 0");
            RawClient.Packet queued = c.read();
            assertEquals(RawClient.PUBLISH, queued.type());
            c.ack(RawClient.PUBACK, queued.publishId());
            c.write(new byte[]{(byte) 0xC0, 0x00});
            c.subscribe(2, "qd/b", 0, 5);
            List<Integer> types = new ArrayList<>();
            types.add(c.read().type());
            types.add(c.read().type());
            assertEquals(List.of(RawClient.PINGRESP, RawClient.SUBACK), types, "no second CONNACK");
            assertTrue(c.silentFor(Duration.ofMillis(300)));
        }
        try (RawClient c = new RawClient(node.port())) {
            assertEquals(0, c.connect5("fresh", new byte[0]).body()[0] & 0xFE, "reserved flag bits 0 for a clean start too");
        }
    }

    @Test
    void refusedConnectHasSessionPresent0AndIsClosed_MQTT_3_2_2_6_and_3_2_2_7_and_3_1_4_2_and_4_12_0_1() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            assertEquals(0, c.connect5("refused", false, KEPT).body()[1]); // a kept session exists
        }
        try (RawClient c = new RawClient(node.port())) {
            byte[] props = new byte[AUTH_METHOD.length + KEPT.length];
            System.arraycopy(AUTH_METHOD, 0, props, 0, AUTH_METHOD.length);
            System.arraycopy(KEPT, 0, props, AUTH_METHOD.length, KEPT.length);
            RawClient.Packet connack = c.connect5("refused", false, props);
            assertEquals(0x8C, connack.body()[1] & 0xFF);
            assertEquals(0, connack.body()[0], "Session Present 0 with a refusal, even though a session exists");
            assertNull(c.readOrEnd(), "closed after the CONNACK, nothing else sent");
        }
    }

    @Test
    void reasonStringAndUserPropertiesAreLeftOutAboveTheClientsMaximumPacketSize_MQTT_3_2_2_19_and_3_2_2_20() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            byte[] maximumPacketSize8 = {0x27, 0, 0, 0, 8};
            byte[] props = new byte[AUTH_METHOD.length + maximumPacketSize8.length];
            System.arraycopy(AUTH_METHOD, 0, props, 0, AUTH_METHOD.length);
            System.arraycopy(maximumPacketSize8, 0, props, AUTH_METHOD.length, maximumPacketSize8.length);
            RawClient.Packet connack = c.connect5("tight", props);
            assertEquals(0x8C, connack.body()[1] & 0xFF);
            assertFalse(connack.properties(2).containsKey(REASON_STRING));
            assertFalse(connack.properties(2).containsKey(USER_PROPERTY));
            assertTrue(2 + connack.body().length <= 8, "CONNACK within 8 bytes");
        }
    }

    @Test
    void keepAliveWithinTheMaximumIsTheOneEnforced_MQTT_3_2_2_22() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            RawClient.Packet connack = c.connect5("kept-alive", 1, new byte[0]);
            long connected = System.nanoTime();
            assertFalse(connack.properties(2).containsKey(SERVER_KEEP_ALIVE));
            assertTrue(c.closedWithin(Duration.ofSeconds(5)), "silent past 1.5 x the client's own Keep Alive: closed");
            long ms = (System.nanoTime() - connected) / 1_000_000;
            assertTrue(ms >= 1000, "not before the Keep Alive of 1 s passed: " + ms + " ms");
        }
    }

    @Test
    void connackAdvertisesWhatTheServerOffers() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            Map<Integer, Object> offered = c.connect5("curious", new byte[0]).properties(2);
            assertEquals(1, offered.get(0x25), "Retain Available");
            assertEquals(1, offered.get(0x28), "Wildcard Subscription Available");
            assertEquals(1, offered.get(0x29), "Subscription Identifiers Available");
            assertEquals(1, offered.get(0x2A), "Shared Subscription Available");
            assertFalse(offered.containsKey(0x24), "no Maximum QoS: all of QoS 0, 1 and 2 are supported");
            assertEquals(100, offered.get(0x21), "Receive Maximum");
            assertEquals(10, offered.get(0x22), "Topic Alias Maximum");
            assertTrue(offered.containsKey(0x27), "Maximum Packet Size");
        }
    }
}
