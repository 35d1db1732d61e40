package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import static io.oncemq.broker.RawClient.bytes;
import static io.oncemq.broker.RawClient.concat;
import static io.oncemq.broker.RawClient.field;
import static io.oncemq.broker.RawClient.packet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MQTT 5.0 §4 Operational behaviour at level 5: session state, the QoS 1 and 2 flows both ways, retry on
 * reconnect, topic matching, shared subscriptions, and no AUTH without an Authentication Method.
 */
class Spec4_OperationalBehaviourTest {

    /** Session Expiry Interval 300 s. */
    private static final byte[] KEPT = bytes(0x11, 0, 0, 0x01, 0x2C);

    @RegisterExtension
    final TestNode node = new TestNode();

    /** A kept-session 5.0 subscriber on one filter (Clean Start 1 the first time). */
    private RawClient keptSubscriber(String clientId, String filter, int qos) throws Exception {
        RawClient c = new RawClient(node.port());
        assertEquals(0, c.connect5(clientId, true, KEPT).body()[1]);
        c.subscribe(1, filter, qos, 5);
        c.expect(RawClient.SUBACK);
        return c;
    }

    /** The same client id back with Clean Start 0; asserts the session is present. */
    private RawClient resume(String clientId) throws Exception {
        RawClient c = new RawClient(node.port());
        RawClient.Packet connack = c.connect5(clientId, false, KEPT);
        assertEquals(0, connack.body()[1]);
        assertEquals(1, connack.body()[0], "session present");
        return c;
    }

    private RawClient client(String clientId) throws Exception {
        return RawClient.connected5(node.port(), clientId);
    }

    private void publish(String topic, int qos, String payload) throws Exception {
        try (RawClient pub = client("pub")) {
            pub.publish(topic, qos, 1, false, payload, 5);
            pub.expect(qos == 1 ? RawClient.PUBACK : RawClient.PUBREC);
        }
    }

    @Test
    void sessionStateIsKeptWhileTheClientIsConnected_MQTT_4_1_0_1() throws Exception {
        try (RawClient sub = new RawClient(node.port()); RawClient pub = client("pub")) {
            assertEquals(0, sub.connect5("slow", true, concat(KEPT, bytes(0x21, 0, 1))).body()[1]); // Receive Maximum 1
            sub.subscribe(1, "slow/#", 1, 5);
            sub.expect(RawClient.SUBACK);
            for (int i = 1; i <= 30; i++) {
                pub.publish("slow/" + i, 1, i, false, "m" + i, 5);
                pub.expect(RawClient.PUBACK);
            }
            for (int i = 1; i <= 30; i++) {
                RawClient.Packet p = sub.expect(RawClient.PUBLISH);
                assertEquals("slow/" + i, p.topic(), "queued messages are all kept, in order");
                sub.ack(RawClient.PUBACK, p.publishId());
            }
        }
    }

    @Test
    void unacknowledgedQos1IsResentWithDupOnlyOnReconnectAndNotAfterPuback_MQTT_4_4_0_1_and_4_3_2_3_and_3_3_1_1() throws Exception {
        int id;
        try (RawClient sub = keptSubscriber("q1", "r1/#", 1)) {
            publish("r1/a", 1, "once");
            RawClient.Packet first = sub.expect(RawClient.PUBLISH);
            assertFalse(first.dup());
            id = first.publishId();
            assertTrue(sub.silentFor(Duration.ofMillis(500)), "no resend while connected");
        }
        try (RawClient sub = resume("q1")) {
            RawClient.Packet again = sub.read();
            assertEquals(RawClient.PUBLISH, again.type());
            assertTrue(again.dup(), "a re-delivery has DUP 1");
            assertEquals(id, again.publishId(), "with the original packet id");
            assertEquals("once", again.payload5());
            sub.ack(RawClient.PUBACK, id);
            assertTrue(sub.silentFor(Duration.ofMillis(200)));
        }
        try (RawClient sub = resume("q1")) {
            assertTrue(sub.silentFor(Duration.ofMillis(300)), "acknowledged: not resent");
        }
    }

    @Test
    void qos1IdReusedAfterPubackIsANewMessageWhateverItsDup_MQTT_4_3_2_5() throws Exception {
        try (RawClient sub = client("sub"); RawClient pub = client("pub")) {
            sub.subscribe(1, "re/#", 0, 5);
            sub.expect(RawClient.SUBACK);
            pub.publish("re/a", 1, 7, false, "one", 5);
            pub.expect(RawClient.PUBACK);
            pub.publish("re/a", 1, 7, true, "two", 5);
            pub.expect(RawClient.PUBACK);
            assertEquals("one", sub.expect(RawClient.PUBLISH).payload5());
            assertEquals("two", sub.expect(RawClient.PUBLISH).payload5());
        }
    }

    @Test
    void unacknowledgedQos2IsResentWithTheSameId_MQTT_4_3_3_3() throws Exception {
        int id;
        try (RawClient sub = keptSubscriber("q2", "r2/#", 2)) {
            publish("r2/a", 2, "x");
            id = sub.expect(RawClient.PUBLISH).publishId();
        }
        try (RawClient sub = resume("q2")) {
            RawClient.Packet again = sub.read();
            assertEquals(RawClient.PUBLISH, again.type());
            assertEquals(2, again.qos());
            assertEquals(id, again.publishId());
            assertTrue(again.dup());
        }
    }

    @Test
    void pubrecBelow0x80GetsPubrelAndOneAbove0x80EndsTheDelivery_MQTT_4_3_3_4_and_4_4_0_2() throws Exception {
        try (RawClient sub = keptSubscriber("q2e", "r3/#", 2)) {
            publish("r3/a", 2, "ok");
            RawClient.Packet ok = sub.expect(RawClient.PUBLISH);
            sub.ack5(RawClient.PUBREC, ok.publishId(), 0x00);
            RawClient.Packet pubrel = sub.read();
            assertEquals(RawClient.PUBREL, pubrel.type());
            assertEquals(ok.publishId(), pubrel.packetId());
            sub.ack(RawClient.PUBCOMP, ok.publishId());
            publish("r3/b", 2, "refused");
            RawClient.Packet refused = sub.expect(RawClient.PUBLISH);
            sub.ack5(RawClient.PUBREC, refused.publishId(), 0x80);
            assertTrue(sub.silentFor(Duration.ofMillis(400)), "no PUBREL after PUBREC 0x80");
        }
        try (RawClient sub = resume("q2e")) {
            assertTrue(sub.silentFor(Duration.ofMillis(300)), "the refused PUBLISH is not retransmitted");
        }
    }

    @Test
    void pubackAbove0x80CompletesTheDelivery_MQTT_4_4_0_2() throws Exception {
        try (RawClient sub = keptSubscriber("q1e", "r4/#", 1)) {
            publish("r4/a", 1, "refused");
            sub.ack5(RawClient.PUBACK, sub.expect(RawClient.PUBLISH).publishId(), 0x80);
            assertTrue(sub.silentFor(Duration.ofMillis(200)));
        }
        try (RawClient sub = resume("q1e")) {
            assertTrue(sub.silentFor(Duration.ofMillis(300)), "not retransmitted after PUBACK 0x80");
        }
    }

    @Test
    void afterPubrecOnlyPubrelIsResentNeverThePublish_MQTT_4_3_3_5_and_4_3_3_6() throws Exception {
        int id;
        try (RawClient sub = keptSubscriber("q2r", "r5/#", 2)) {
            publish("r5/a", 2, "x");
            id = sub.expect(RawClient.PUBLISH).publishId();
            sub.ack(RawClient.PUBREC, id);
            assertEquals(RawClient.PUBREL, sub.expect(RawClient.PUBREL).type());
        }
        try (RawClient sub = resume("q2r")) {
            RawClient.Packet resent = sub.read();
            assertEquals(RawClient.PUBREL, resent.type(), "PUBREL unacknowledged until PUBCOMP: resent");
            assertEquals(id, resent.packetId());
            sub.ack(RawClient.PUBCOMP, id);
            assertTrue(sub.silentFor(Duration.ofMillis(300)), "and the PUBLISH never again");
        }
    }

    @Test
    void messageExpiryIsNotAppliedOnceThePublishWasSent_MQTT_4_3_3_7() throws Exception {
        int id;
        try (RawClient sub = keptSubscriber("q2x", "r6/#", 2); RawClient pub = client("pub")) {
            pub.publish5("r6/a", 2, 1, bytes(0x02, 0, 0, 0, 1), "short-lived".getBytes()); // Message Expiry 1 s
            pub.expect(RawClient.PUBREC);
            id = sub.expect(RawClient.PUBLISH).publishId();
        }
        long sent = System.currentTimeMillis();
        Await.until(() -> System.currentTimeMillis() > sent + 1300, Duration.ofSeconds(5), "the expiry passed");
        try (RawClient sub = resume("q2x")) {
            RawClient.Packet again = sub.read();
            assertEquals(RawClient.PUBLISH, again.type(), "still resent after its expiry");
            assertEquals(id, again.publishId());
        }
    }

    @Test
    void errorPubrecFreesTheIdForANewPublication_MQTT_4_3_3_9() throws Exception {
        try (RawClient sub = client("sub"); RawClient pub = client("pub")) {
            sub.subscribe(1, "r7/#", 0, 5);
            sub.expect(RawClient.SUBACK);
            pub.publish5("r7/a", 2, 5, bytes(0x01, 0x01), bytes(0xC3, 0x28)); // not the UTF-8 it claims
            RawClient.Packet refused = pub.expect(RawClient.PUBREC);
            assertEquals(0x99, refused.body()[2] & 0xFF);
            pub.publish5("r7/a", 2, 5, new byte[0], "valid".getBytes());
            RawClient.Packet accepted = pub.expect(RawClient.PUBREC);
            assertEquals(5, accepted.packetId());
            assertTrue(accepted.body().length == 2 || accepted.body()[2] == 0, "accepted as new");
            assertEquals("valid", sub.expect(RawClient.PUBLISH).payload5());
        }
    }

    @Test
    void heldIdIsAcknowledgedButNotForwardedAgainAndIsNewAfterPubcomp_MQTT_4_3_3_10_and_4_3_3_12() throws Exception {
        try (RawClient sub = client("sub"); RawClient pub = client("pub")) {
            sub.subscribe(1, "r8/#", 0, 5);
            sub.expect(RawClient.SUBACK);
            pub.publish("r8/a", 2, 1, false, "first", 5);
            assertEquals(1, pub.expect(RawClient.PUBREC).packetId());
            pub.publish("r8/a", 2, 1, true, "first", 5);
            assertEquals(1, pub.expect(RawClient.PUBREC).packetId(), "a repeat is answered with PUBREC");
            assertEquals("first", sub.expect(RawClient.PUBLISH).payload5());
            assertTrue(sub.silentFor(Duration.ofMillis(300)), "and not forwarded again");
            pub.ack(RawClient.PUBREL, 1);
            pub.expect(RawClient.PUBCOMP);
            pub.publish("r8/a", 2, 1, false, "second", 5);
            pub.expect(RawClient.PUBREC);
            assertEquals("second", sub.expect(RawClient.PUBLISH).payload5(), "after PUBCOMP the id names a new message");
        }
    }

    @Test
    void qos2FlowCompletesAfterTheMessageExpired_MQTT_4_3_3_13() throws Exception {
        try (RawClient pub = client("pub")) {
            pub.publish5("r9/a", 2, 3, bytes(0x02, 0, 0, 0, 1), "x".getBytes());
            pub.expect(RawClient.PUBREC);
            long received = System.currentTimeMillis();
            Await.until(() -> System.currentTimeMillis() > received + 1300, Duration.ofSeconds(5), "the expiry passed");
            pub.ack(RawClient.PUBREL, 3);
            RawClient.Packet pubcomp = pub.expect(RawClient.PUBCOMP);
            assertEquals(3, pubcomp.packetId());
            assertTrue(pubcomp.body().length == 2 || pubcomp.body()[2] == 0, "PUBCOMP 0x00");
        }
    }

    @Test
    void topicsAreMatchedByteForByteWithoutNormalisation_MQTT_4_7_3_4() throws Exception {
        String precomposed = "n/caf\u00e9";
        String decomposed = "n/cafe\u0301";
        try (RawClient sub = client("sub"); RawClient pub = client("pub")) {
            sub.subscribe(1, precomposed, 0, 5);
            sub.expect(RawClient.SUBACK);
            pub.publish(decomposed, 0, 0, false, "decomposed", 5);
            pub.publish(precomposed, 0, 0, false, "precomposed", 5);
            RawClient.Packet got = sub.expect(RawClient.PUBLISH);
            assertEquals("precomposed", got.payload5(), "the canonically equal but different topic does not match");
            byte[] topic = precomposed.getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(topic, Arrays.copyOfRange(got.body(), 2, 2 + topic.length));
        }
    }

    @Test
    void sharedSubscriptionNamesMustBeNonEmptyAndFreeOfWildcardsAndSlashes_MQTT_4_8_2_1_and_4_8_2_2() throws Exception {
        try (RawClient c = client("share")) {
            c.write(packet(0x82, bytes(0, 3, 0), field("$share//t"), bytes(0), field("$share/g+/t"), bytes(0),
                    field("$share/g#/t"), bytes(0), field("$share/g"), bytes(0), field("$share/g/"), bytes(0), field("$share/ok/t"), bytes(0)));
            RawClient.Packet suback = c.expect(RawClient.SUBACK);
            byte[] codes = Arrays.copyOfRange(suback.body(), 3 + suback.body()[2], suback.body().length);
            byte bad = (byte) 0x8F;
            assertArrayEquals(new byte[]{bad, bad, bad, bad, bad, 0}, codes);
        }
    }

    @Test
    void sharedDeliveriesGoAtEachMembersGrantedQos_MQTT_4_8_2_3() throws Exception {
        try (RawClient a = client("a"); RawClient b = client("b"); RawClient pub = client("pub")) {
            a.subscribe(1, "$share/g/sq", 0, 5);
            a.expect(RawClient.SUBACK);
            b.subscribe(1, "$share/g/sq", 2, 5);
            b.expect(RawClient.SUBACK);
            for (int i = 1; i <= 4; i++) {
                pub.publish("sq", 2, i, false, "m" + i, 5);
                pub.expect(RawClient.PUBREC);
                pub.ack(RawClient.PUBREL, i);
                pub.expect(RawClient.PUBCOMP);
            }
            int got = 0;
            for (RawClient.Packet p = a.readWithin(Duration.ofMillis(300)); p != null; p = a.readWithin(Duration.ofMillis(200))) {
                assertEquals(0, p.qos(), "member a was granted QoS 0");
                got++;
            }
            for (RawClient.Packet p = b.readWithin(Duration.ofMillis(200)); p != null; p = b.readWithin(Duration.ofMillis(200))) {
                if (p.type() == RawClient.PUBREL) {
                    b.ack(RawClient.PUBCOMP, p.packetId());
                    continue;
                }
                assertEquals(RawClient.PUBLISH, p.type());
                assertEquals(2, p.qos(), "member b was granted QoS 2");
                b.ack(RawClient.PUBREC, p.publishId());
                got++;
            }
            assertEquals(4, got, "each message to one member");
        }
    }

    @Test
    void interruptedQos2SharedDeliveryIsCompletedToTheSameMember_MQTT_4_8_2_4() throws Exception {
        int id;
        try (RawClient a = keptSubscriber("member-a", "$share/g/s4", 2)) {
            publish("s4", 2, "x");
            id = a.expect(RawClient.PUBLISH).publishId();
        }
        try (RawClient b = client("member-b")) {
            b.subscribe(1, "$share/g/s4", 2, 5);
            b.expect(RawClient.SUBACK);
            try (RawClient a = resume("member-a")) {
                RawClient.Packet again = a.read();
                assertEquals(RawClient.PUBLISH, again.type());
                assertEquals(id, again.publishId(), "resent to the member it was sent to");
            }
            assertTrue(b.silentFor(Duration.ofMillis(300)), "not to the other member");
        }
    }

    @Test
    void qos2SharedMessageIsNotSentToAnotherMemberWhenTheSessionEnds_MQTT_4_8_2_5() throws Exception {
        try (RawClient b = new RawClient(node.port())) {
            try (RawClient a = client("member-a")) {
                a.subscribe(1, "$share/g/s5", 2, 5);
                a.expect(RawClient.SUBACK);
                publish("s5", 2, "x");
                a.expect(RawClient.PUBLISH);
                assertEquals(0, b.connect5("member-b", new byte[0]).body()[1]);
                b.subscribe(1, "$share/g/s5", 2, 5);
                b.expect(RawClient.SUBACK);
            } // a's session (expiry 0) ends with the PUBLISH unacknowledged
            assertTrue(b.silentFor(Duration.ofMillis(500)), "the QoS 2 message is not sent to another member");
        }
    }

    @Test
    void sharedDeliveryRefusedWithPuback0x80IsNotSentToAnotherMember_MQTT_4_8_2_6() throws Exception {
        try (RawClient b = new RawClient(node.port())) {
            try (RawClient a = client("member-a")) {
                a.subscribe(1, "$share/g/s6", 1, 5);
                a.expect(RawClient.SUBACK);
                publish("s6", 1, "x");
                RawClient.Packet p = a.expect(RawClient.PUBLISH);
                assertEquals(0, b.connect5("member-b", new byte[0]).body()[1]);
                b.subscribe(1, "$share/g/s6", 1, 5);
                b.expect(RawClient.SUBACK);
                a.ack5(RawClient.PUBACK, p.publishId(), 0x80);
                assertTrue(a.silentFor(Duration.ofMillis(200)));
            }
            assertTrue(b.silentFor(Duration.ofMillis(500)), "discarded, not redelivered to another member");
        }
    }

    @Test
    void noAuthenticationMethodMeansNoAuthPacketAndNoMethodInConnack_MQTT_4_12_0_6() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            RawClient.Packet connack = c.connect5("plain", new byte[0]);
            assertEquals(0, connack.body()[1]);
            assertFalse(connack.properties(2).containsKey(0x15), "no Authentication Method");
            c.subscribe(1, "plain/#", 1, 5);
            assertEquals(RawClient.SUBACK, c.read().type());
            c.publish("plain/a", 1, 1, false, "x", 5);
            for (int i = 0; i < 2; i++) {
                int type = c.read().type();
                assertTrue(type == RawClient.PUBACK || type == RawClient.PUBLISH, "no AUTH: got type " + type);
            }
            assertTrue(c.silentFor(Duration.ofMillis(300)));
        }
    }
}
