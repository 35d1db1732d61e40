package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** MQTT 3.1.1 §3.12 PINGREQ. */
class Spec311_3_12PingTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    @Test
    void pingreqIsAnsweredWithPingresp_MQTT_3_12_4_1() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            assertEquals(0, c.connect("pinger", true, 0, 4).body()[1]);
            for (int i = 0; i < 3; i++) {
                c.write(new byte[]{(byte) 0xC0, 0x00});
                RawClient.Packet p = c.read();
                assertEquals(0xD0, p.header(), "PINGRESP");
                assertEquals(0, p.body().length);
            }
        }
    }
}
