package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static io.oncemq.broker.Raw311Packets.CLEAN_SESSION;
import static io.oncemq.broker.Raw311Packets.assertClosedWithoutAnyPacket;
import static io.oncemq.broker.Raw311Packets.connect;
import static io.oncemq.broker.Raw311Packets.str;
import static io.oncemq.broker.RawClient.CONNACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 3.1.1 §3.2 CONNACK: Session Present and the return code of a refused CONNECT, and the close after it. */
class Spec311_3_2ConnackTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    @Test
    void refusedConnectHasSessionPresent0EvenWithAStoredSession_MQTT_3_2_2_4() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.connectAndSubscribe("kept", false, "k/#", 1); // a stored session exists for "kept"
        }
        try (RawClient c = new RawClient(node.port())) {
            // an unsupported level is refused whatever session is stored
            c.write(connect("MQTT", 3, 0, str("kept")));
            RawClient.Packet ack = c.read();
            assertEquals(CONNACK, ack.type());
            assertEquals(1, ack.body()[1], "unacceptable protocol version");
            assertEquals(0, ack.body()[0], "Session Present");
        }
        try (RawClient c = new RawClient(node.port())) {
            RawClient.Packet ack = c.connect("", false, 0, 4);
            assertEquals(2, ack.body()[1], "identifier rejected");
            assertEquals(0, ack.body()[0], "Session Present");
        }
    }

    @Test
    void connectionIsClosedAfterANonZeroReturnCode_MQTT_3_2_2_5() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            RawClient.Packet ack = c.connect("", false, 0, 4);
            assertEquals(2, ack.body()[1]);
            assertTrue(c.closedWithin(Duration.ofSeconds(5)));
        }
    }

    @Test
    void malformedConnectIsClosedWithoutConnack_MQTT_3_2_2_6() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            byte[] bad = connect(CLEAN_SESSION, str("short"));
            bad[1] = (byte) (bad[1] + 3); // three bytes promised that never come ...
            c.write(bad);
            c.write(new byte[]{(byte) 0xC0, 0x00, (byte) 0xE0}); // ... then bytes that make the packet nonsense
            assertClosedWithoutAnyPacket(c);
        }
    }
}
