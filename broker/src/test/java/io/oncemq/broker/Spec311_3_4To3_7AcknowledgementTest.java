package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static io.oncemq.broker.RawClient.PUBREC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 3.1.1 §3.4-3.7 PUBACK, PUBREC, PUBREL, PUBCOMP. */
class Spec311_3_4To3_7AcknowledgementTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    @Test
    void pubrelWithFlags0000ClosesTheConnection_MQTT_3_6_1_1() throws Exception {
        try (RawClient pub = new RawClient(node.port())) {
            assertEquals(0, pub.connect("pub", true, 0, 4).body()[1]);
            pub.publish("rel/t", 2, 7, false, "m", 4);
            assertEquals(7, pub.expect(PUBREC).packetId());
            pub.write(new byte[]{0x60, 0x02, 0x00, 0x07}); // PUBREL for the held id, flags 0000 instead of 0010
            assertTrue(pub.closedWithin(Duration.ofSeconds(5)));
        }
    }
}
