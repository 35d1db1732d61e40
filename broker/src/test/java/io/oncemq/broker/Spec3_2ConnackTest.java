package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 5.0 §3.2 CONNACK: Server Keep Alive and the Reason String of a refusal. */
class Spec3_2ConnackTest {

    private static final int SERVER_KEEP_ALIVE = 0x13;
    private static final int REASON_STRING = 0x1F;
    private static final byte[] AUTH_METHOD = {0x15, 0x00, 0x04, 'S', 'C', 'R', 'M'};

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
}
