package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static io.oncemq.broker.RawClient.PUBLISH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 5.0 §3.3 PUBLISH sent by the server: Topic Aliases towards the client (§3.3.2.3.4). */
class Spec3_3PublishTest {

    private static final int TOPIC_ALIAS = 0x23;

    @RegisterExtension
    final TestNode node = new TestNode();

    /** Subscribes to t/# with the given CONNECT properties, publishes t/a, t/a, t/b, t/c and returns what arrives. */
    private List<RawClient.Packet> deliveries(byte[] connectProperties) throws Exception {
        try (RawClient sub = new RawClient(node.port()); RawClient pub = new RawClient(node.port())) {
            assertEquals(0, sub.connect5("aliased", connectProperties).body()[1]);
            sub.subscribe5(1, "t/#", 0, 1);
            sub.expect(RawClient.SUBACK);
            pub.connect("pub", true, 0, 5);
            for (String topic : new String[]{"t/a", "t/a", "t/b", "t/c"}) {
                pub.publish(topic, 1, 1, false, topic, 5);
                pub.expect(RawClient.PUBACK);
            }
            return List.of(sub.expect(PUBLISH), sub.expect(PUBLISH), sub.expect(PUBLISH), sub.expect(PUBLISH));
        }
    }

    private static int alias(RawClient.Packet p) {
        return p.publishProperties5().stream().filter(kv -> kv[0] == TOPIC_ALIAS).mapToInt(kv -> kv[1]).findFirst().orElse(0);
    }

    @Test
    void topicAliasesStayWithinTheClientsMaximumAndReplaceRepeatedTopics_MQTT_3_3_2_11() throws Exception {
        List<RawClient.Packet> got = deliveries(new byte[]{0x22, 0x00, 0x02}); // Topic Alias Maximum 2
        assertEquals("t/a", got.get(0).topic());
        assertEquals(1, alias(got.get(0)), "first use: topic and alias 1");
        assertEquals("", got.get(1).topic(), "second use: the alias alone");
        assertEquals(1, alias(got.get(1)));
        assertEquals("t/b", got.get(2).topic());
        assertEquals(2, alias(got.get(2)));
        assertEquals("t/c", got.get(3).topic(), "no alias left: the topic in full");
        assertEquals(0, alias(got.get(3)));
    }

    @Test
    void noTopicAliasesForAClientThatAllowsNone_MQTT_3_1_2_27() throws Exception {
        for (RawClient.Packet p : deliveries(new byte[0])) {
            assertTrue(p.topic().startsWith("t/"));
            assertEquals(0, alias(p));
        }
    }
}
