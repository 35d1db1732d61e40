package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static io.oncemq.broker.RawClient.PUBLISH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 3.1.1 §3.14 DISCONNECT. */
class Spec311_3_14DisconnectTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    @Test
    void disconnectWithReservedFlagsClosesTheConnectionAndPublishesTheWill_MQTT_3_14_1_1() throws Exception {
        try (RawClient watcher = new RawClient(node.port()).connectAndSubscribe("watcher", true, "wills/#", 0);
             RawClient c = new RawClient(node.port())) {
            assertEquals(0, c.connectWithWill("flags", 0, "wills/flags", "gone").body()[1]);
            c.write(new byte[]{(byte) 0xE1, 0x00}); // DISCONNECT with flags 0001
            assertTrue(c.closedWithin(Duration.ofSeconds(5)));
            RawClient.Packet will = watcher.expect(PUBLISH);
            assertEquals("wills/flags", will.topic(), "not a normal DISCONNECT: the will is published");
        }
    }
}
