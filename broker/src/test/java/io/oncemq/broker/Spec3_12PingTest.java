package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** MQTT 5.0 §3.12 PINGREQ: each one answered with a PINGRESP. */
class Spec3_12PingTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    @Test
    void everyPingreqIsAnsweredWithPingresp_MQTT_3_12_4_1() throws Exception {
        for (int level : new int[]{5, 4}) {
            try (RawClient c = new RawClient(node.port())) {
                assertEquals(0, c.connect("ping" + level, true, 0, level).body()[1]);
                for (int i = 0; i < 3; i++) {
                    c.write(new byte[]{(byte) 0xC0, 0x00});
                    RawClient.Packet p = c.read();
                    assertEquals(0xD0, p.header(), "PINGRESP at level " + level);
                    assertArrayEquals(new byte[0], p.body());
                }
            }
        }
    }
}
