package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import static io.oncemq.broker.RawClient.PUBLISH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 3.1.1 §1.5 Data representation: UTF-8 encoded strings. */
class Spec311_1_5DataRepresentationTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    @Test
    void nullCharacterInATopicNameClosesTheConnection_MQTT_1_5_3_2() throws Exception {
        try (RawClient watcher = new RawClient(node.port()).connectAndSubscribe("watcher", true, "#", 1);
             RawClient c = new RawClient(node.port())) {
            assertEquals(0, c.connect("nul", true, 0, 4).body()[1]);
            c.write(Raw311Packets.publish(0x30, "a\u0000b", 0, "x".getBytes()));
            assertTrue(c.closedWithin(Duration.ofSeconds(5)));
            assertTrue(watcher.silentFor(Duration.ofMillis(300)), "nothing routed");
        }
    }

    @Test
    void byteOrderMarkInATopicIsNeitherSkippedNorStripped_MQTT_1_5_3_3() throws Exception {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        String withBom = "bom/" + new String(bom, StandardCharsets.UTF_8) + "x";
        try (RawClient plain = new RawClient(node.port()).connectAndSubscribe("plain", true, "bom/x", 0);
             RawClient exact = new RawClient(node.port()).connectAndSubscribe("exact", true, withBom, 0);
             RawClient pub = new RawClient(node.port())) {
            pub.connect("pub", true, 0, 4);
            pub.publish(withBom, 0, 0, false, "m", 4);
            RawClient.Packet p = exact.expect(PUBLISH);
            byte[] topic = Arrays.copyOfRange(p.body(), 2, 2 + 8);
            assertArrayEquals(withBom.getBytes(StandardCharsets.UTF_8), topic, "EF BB BF delivered as sent");
            assertEquals(8, p.body()[1], "topic length still counts the three bytes");
            assertTrue(plain.silentFor(Duration.ofMillis(300)), "a stripped BOM would have matched bom/x");
        }
    }
}
