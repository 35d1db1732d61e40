package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static io.oncemq.broker.RawClient.bytes;
import static io.oncemq.broker.RawClient.concat;
import static io.oncemq.broker.RawClient.field;
import static io.oncemq.broker.RawClient.packet;

import static io.oncemq.broker.RawClient.PUBLISH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 5.0 §3.3 PUBLISH: DUP and RETAIN, topic and property checks, Topic Aliases both ways, Receive Maximum towards the client. */
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

    private static final int SUBSCRIPTION_IDENTIFIER = 0x0B;

    /** A connected 5.0 client subscribed to one filter with the given options byte. */
    private RawClient subscriber(String clientId, String filter, int options, byte[] connectProperties) throws Exception {
        RawClient c = new RawClient(node.port());
        assertEquals(0, c.connect5(clientId, connectProperties).body()[1]);
        c.subscribe5(1, filter, options, 1);
        c.expect(RawClient.SUBACK);
        return c;
    }

    private RawClient publisher() throws Exception {
        RawClient c = new RawClient(node.port());
        assertEquals(0, c.connect5("pub", new byte[0]).body()[1]);
        return c;
    }

    /** A 5.0 PUBLISH, QoS 0, with RETAIN as given and no properties. */
    private static byte[] qos0(String topic, boolean retain, String payload) {
        return packet(0x30 | (retain ? 1 : 0), field(topic), bytes(0), payload.getBytes());
    }

    private void assertDisconnectedWith(RawClient c, int reason) throws Exception {
        RawClient.Packet d = c.expect(RawClient.DISCONNECT);
        assertEquals(reason, d.body()[0] & 0xFF);
        assertTrue(c.closedWithin(Duration.ofSeconds(5)));
    }

    @Test
    void qos0IsSentWithQos0AndDup0_MQTT_3_3_1_2_and_4_3_1_1() throws Exception {
        try (RawClient sub = subscriber("sub", "d0/#", 0, new byte[0]); RawClient pub = publisher()) {
            pub.publish("d0/a", 1, 1, true, "x", 5);
            RawClient.Packet got = sub.expect(RawClient.PUBLISH);
            assertEquals(0, got.qos());
            assertFalse(got.dup());
        }
    }

    @Test
    void dupFromThePublisherIsNotCopiedToTheFirstDelivery_MQTT_3_3_1_3_and_4_3_2_2_and_4_3_3_2() throws Exception {
        try (RawClient sub = subscriber("sub", "d1/#", 2, new byte[0]); RawClient pub = publisher()) {
            pub.publish("d1/q1", 1, 1, true, "first time, DUP 1", 5);
            pub.expect(RawClient.PUBACK);
            pub.publish("d1/q2", 2, 2, true, "first time, DUP 1", 5);
            pub.expect(RawClient.PUBREC);
            RawClient.Packet q1 = sub.expect(RawClient.PUBLISH);
            RawClient.Packet q2 = sub.expect(RawClient.PUBLISH);
            assertEquals(1, q1.qos());
            assertFalse(q1.dup(), "a first delivery has DUP 0");
            assertEquals(2, q2.qos());
            assertFalse(q2.dup());
        }
    }

    @Test
    void publishWithRetain0NeitherStoresNorReplacesTheRetainedMessage_MQTT_3_3_1_8() throws Exception {
        try (RawClient pub = publisher()) {
            pub.write(qos0("rt/x", true, "a"));
            pub.write(qos0("rt/x", false, "b"));
            pub.write(qos0("rt/y", false, "c"));
            pub.publish("rt/sync", 1, 1, false, "", 5);
            pub.expect(RawClient.PUBACK);
        }
        try (RawClient sub = subscriber("late", "rt/#", 0, new byte[0])) {
            RawClient.Packet got = sub.expect(RawClient.PUBLISH);
            assertEquals("rt/x", got.topic());
            assertEquals("a", got.payload5());
            assertTrue(sub.silentFor(Duration.ofMillis(300)), "b and c were not retained");
        }
    }

    @Test
    void retainHandling1SendsRetainedOnlyForANewSubscription_MQTT_3_3_1_10() throws Exception {
        try (RawClient pub = publisher(); RawClient sub = new RawClient(node.port())) {
            pub.write(qos0("rh1/x", true, "kept"));
            pub.publish("rh1/sync", 1, 1, false, "", 5);
            pub.expect(RawClient.PUBACK);
            sub.connect5("rh1", new byte[0]);
            sub.subscribe5(1, "rh1/x", 0x10, 1);
            sub.expect(RawClient.SUBACK);
            assertEquals("kept", sub.expect(RawClient.PUBLISH).payload5());
            sub.subscribe5(2, "rh1/x", 0x10, 1);
            sub.expect(RawClient.SUBACK);
            assertTrue(sub.silentFor(Duration.ofMillis(300)), "the subscription existed: no retained message");
        }
    }

    @Test
    void retainHandling2SendsNoRetainedMessage_MQTT_3_3_1_11() throws Exception {
        try (RawClient pub = publisher()) {
            pub.write(qos0("rh2/x", true, "kept"));
            pub.publish("rh2/sync", 1, 1, false, "", 5);
            pub.expect(RawClient.PUBACK);
        }
        try (RawClient sub = subscriber("rh2", "rh2/#", 0x20, new byte[0])) {
            assertTrue(sub.silentFor(Duration.ofMillis(300)));
        }
    }

    @Test
    void topicAliasesDoNotCarryOverToAnotherConnection_MQTT_3_3_2_7() throws Exception {
        try (RawClient sub = subscriber("sub", "al/#", 0, new byte[0])) {
            try (RawClient first = new RawClient(node.port())) {
                first.connect5("aliaser", new byte[0]);
                first.publish5("al/b", 0, 0, bytes(0x23, 0, 1), "one".getBytes());
                first.publish5("", 0, 0, bytes(0x23, 0, 1), "two".getBytes());
                assertEquals("one", sub.expect(RawClient.PUBLISH).payload5());
                assertEquals("two", sub.expect(RawClient.PUBLISH).payload5());
            }
            try (RawClient second = new RawClient(node.port())) {
                second.connect5("aliaser", new byte[0]);
                second.publish5("", 0, 0, bytes(0x23, 0, 1), "three".getBytes());
                assertDisconnectedWith(second, 0x82);
            }
            assertTrue(sub.silentFor(Duration.ofMillis(300)));
        }
    }

    @Test
    void topicAlias0IsRefusedAndNeverSent_MQTT_3_3_2_8() throws Exception {
        try (RawClient c = publisher()) {
            c.publish5("al/zero", 0, 0, bytes(0x23, 0, 0), "x".getBytes());
            assertDisconnectedWith(c, 0x94);
        }
        for (RawClient.Packet p : deliveries(new byte[]{0x22, 0x00, 0x02})) {
            assertTrue(p.publishProperties5().stream().noneMatch(kv -> kv[0] == TOPIC_ALIAS && kv[1] == 0), "the server sends no alias 0");
        }
    }

    @Test
    void everyAliasUpToTheAnnouncedMaximumIsAccepted_MQTT_3_3_2_12() throws Exception {
        try (RawClient sub = subscriber("sub", "al/#", 0, new byte[0]); RawClient pub = new RawClient(node.port())) {
            RawClient.Packet connack = pub.connect5("pub", new byte[0]);
            int maximum = (Integer) connack.properties(2).get(0x22);
            pub.publish5("al/t", 0, 0, bytes(0x23, maximum >> 8, maximum), "set".getBytes());
            pub.publish5("", 0, 0, bytes(0x23, maximum >> 8, maximum), "use".getBytes());
            RawClient.Packet set = sub.expect(RawClient.PUBLISH);
            RawClient.Packet use = sub.expect(RawClient.PUBLISH);
            assertEquals("al/t", set.topic());
            assertEquals("al/t", use.topic());
            assertEquals("use", use.payload5());
        }
    }

    @Test
    void responseTopicThatIsNotUtf8IsMalformed_MQTT_3_3_2_13() throws Exception {
        try (RawClient c = publisher()) {
            c.publish5("rt/a", 0, 0, concat(bytes(0x08), field(bytes(0xC3, 0x28))), "x".getBytes());
            assertDisconnectedWith(c, 0x81);
        }
    }

    @Test
    void responseTopicWithAWildcardIsRefused_MQTT_3_3_2_14() throws Exception {
        try (RawClient sub = subscriber("sub", "rq/#", 0, new byte[0]); RawClient c = publisher()) {
            c.publish5("rq/a", 0, 0, concat(bytes(0x08), field("r/+")), "x".getBytes());
            assertDisconnectedWith(c, 0x82);
            assertTrue(sub.silentFor(Duration.ofMillis(300)), "not forwarded with a wildcard Response Topic");
        }
    }

    @Test
    void contentTypeThatIsNotUtf8IsMalformed_MQTT_3_3_2_19() throws Exception {
        try (RawClient c = publisher()) {
            c.publish5("ct/a", 0, 0, concat(bytes(0x03), field(bytes(0xC3, 0x28))), "x".getBytes());
            assertDisconnectedWith(c, 0x81);
        }
    }

    @Test
    void overlappingSubscriptionsGiveOnePublishWithEveryIdentifier_MQTT_3_3_4_4() throws Exception {
        try (RawClient sub = new RawClient(node.port()); RawClient pub = publisher()) {
            sub.connect5("overlap", new byte[0]);
            sub.subscribe5(1, "ov/+", 1, 1);
            sub.expect(RawClient.SUBACK);
            sub.subscribe5(2, "ov/#", 1, 2);
            sub.expect(RawClient.SUBACK);
            pub.publish("ov/a", 1, 1, false, "x", 5);
            RawClient.Packet got = sub.expect(RawClient.PUBLISH);
            List<Integer> ids = got.publishProperties5().stream().filter(kv -> kv[0] == SUBSCRIPTION_IDENTIFIER).map(kv -> kv[1]).sorted().toList();
            assertEquals(List.of(1, 2), ids);
            sub.ack(RawClient.PUBACK, got.publishId());
            assertTrue(sub.silentFor(Duration.ofMillis(300)), "one PUBLISH, not a copy per subscription");
        }
    }

    @Test
    void noMoreUnacknowledgedPublishesThanTheClientsReceiveMaximum_MQTT_3_3_4_9_and_4_9_0_1_and_4_9_0_2() throws Exception {
        try (RawClient sub = subscriber("rm2", "rm/#", 1, bytes(0x21, 0, 2)); RawClient pub = publisher()) {
            for (int i = 1; i <= 5; i++) {
                pub.publish("rm/" + i, 1, i, false, "m" + i, 5);
                pub.expect(RawClient.PUBACK);
            }
            RawClient.Packet a = sub.expect(RawClient.PUBLISH);
            RawClient.Packet b = sub.expect(RawClient.PUBLISH);
            assertEquals("rm/1", a.topic());
            assertEquals("rm/2", b.topic());
            assertTrue(sub.silentFor(Duration.ofMillis(400)), "quota 2 used up: no third PUBLISH");
            sub.ack(RawClient.PUBACK, a.publishId());
            assertEquals("rm/3", sub.expect(RawClient.PUBLISH).topic());
            assertTrue(sub.silentFor(Duration.ofMillis(300)), "one PUBACK frees one slot");
        }
    }

    @Test
    void otherPacketsFlowWhileTheReceiveMaximumIsReached_MQTT_3_3_4_10_and_4_9_0_3() throws Exception {
        try (RawClient sub = subscriber("rm1", "rx/#", 1, bytes(0x21, 0, 1)); RawClient pub = publisher()) {
            pub.publish("rx/1", 1, 1, false, "a", 5);
            pub.publish("rx/2", 1, 2, false, "b", 5);
            pub.expect(RawClient.PUBACK);
            pub.expect(RawClient.PUBACK);
            assertEquals("rx/1", sub.expect(RawClient.PUBLISH).topic());
            sub.write(new byte[]{(byte) 0xC0, 0x00});
            assertEquals(RawClient.PINGRESP, sub.read().type());
            sub.subscribe5(7, "other/#", 0, 3);
            RawClient.Packet suback = sub.read();
            assertEquals(RawClient.SUBACK, suback.type());
            assertEquals(7, suback.packetId());
        }
    }
}
