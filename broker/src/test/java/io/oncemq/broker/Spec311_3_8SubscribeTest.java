package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

import static io.oncemq.broker.Raw311Packets.bytes;
import static io.oncemq.broker.Raw311Packets.subscribe;
import static io.oncemq.broker.RawClient.PUBACK;
import static io.oncemq.broker.RawClient.PUBCOMP;
import static io.oncemq.broker.RawClient.PUBLISH;
import static io.oncemq.broker.RawClient.PUBREC;
import static io.oncemq.broker.RawClient.PUBREL;
import static io.oncemq.broker.RawClient.SUBACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 3.1.1 §3.8 SUBSCRIBE and §3.9 SUBACK. */
class Spec311_3_8SubscribeTest {

    private static final Duration QUIET = Duration.ofMillis(300);
    private static final int MAX_LEVELS = 8;

    @RegisterExtension
    final TestNode node = new TestNode(Map.of("max-topic-levels", String.valueOf(MAX_LEVELS)));

    private RawClient connected(String id) throws Exception {
        return RawClient.connected311(node.port(), id, true);
    }

    private void assertClosedAfter(byte[] packet) throws Exception {
        RawClient.assertClosedAfter311(node.port(), packet);
    }

    /** The SUBACK as hex: first byte, remaining length, body. */
    private static String hex(RawClient.Packet p) {
        return HexFormat.of().formatHex(new byte[]{(byte) p.header(), (byte) p.body().length}) + HexFormat.of().formatHex(p.body());
    }

    @Test
    void subscribeWithFlags0000ClosesTheConnection_MQTT_3_8_1_1() throws Exception {
        assertClosedAfter(subscribe(0x80, 1, "a/b", 0));
    }

    @Test
    void illFormedUtf8TopicFilterClosesTheConnection_MQTT_3_8_3_1() throws Exception {
        assertClosedAfter(subscribe(0x82, 1, bytes(new byte[]{(byte) 0xC3, 0x28}), 0));
    }

    @Test
    void subscribeWithoutTopicFiltersClosesTheConnection_MQTT_3_8_3_3() throws Exception {
        assertClosedAfter(subscribe(0x82, 1));
    }

    @Test
    void requestedQosAbove2OrReservedBitsCloseTheConnection_MQTT_3_8_3_4() throws Exception {
        assertClosedAfter(subscribe(0x82, 1, "a/b", 3));
        for (int reserved : new int[]{0x04, 0x08, 0x10, 0x20}) {
            assertClosedAfter(subscribe(0x82, 1, "a/b", reserved | 1));
        }
    }

    @Test
    void subackCarriesTheSubscribesPacketIdentifier_MQTT_3_8_4_2() throws Exception {
        try (RawClient c = connected("c")) {
            c.write(subscribe(0x82, 0x1234, "a/b", 1));
            assertEquals("9003123401", hex(c.read()));
        }
    }

    @Test
    void identicalFilterReplacesTheSubscriptionAndResendsRetained_MQTT_3_8_4_3() throws Exception {
        try (RawClient pub = connected("pub")) {
            pub.write(Raw311Packets.publish(0x33, "t", 1, "kept".getBytes()));
            pub.expect(PUBACK);
        }
        try (RawClient sub = connected("sub"); RawClient pub = connected("pub")) {
            sub.subscribe(1, "t", 0, 4);
            assertEquals(SUBACK, sub.read().type());
            RawClient.Packet first = sub.expect(PUBLISH);
            assertEquals("kept", first.payload311());
            assertEquals(0, first.qos());

            sub.subscribe(2, "t", 1, 4);
            assertEquals("9003000201", hex(sub.read()));
            RawClient.Packet again = sub.expect(PUBLISH);
            assertEquals("kept", again.payload311(), "retained message sent again for the replaced subscription");
            assertEquals(1, again.qos());
            assertEquals(1, again.flags() & 1);
            sub.ack(PUBACK, again.publishId());

            pub.publish("t", 1, 1, false, "live", 4);
            pub.expect(PUBACK);
            RawClient.Packet live = sub.expect(PUBLISH);
            assertEquals("live", live.payload311());
            assertEquals(1, live.qos(), "the new QoS replaced the old one");
            sub.ack(PUBACK, live.publishId());
            assertTrue(sub.silentFor(QUIET), "one subscription, one copy");
        }
    }

    @Test
    void severalFiltersAreAnsweredWithOneSubackAndAllBecomeActive_MQTT_3_8_4_4() throws Exception {
        try (RawClient sub = connected("sub"); RawClient pub = connected("pub")) {
            sub.write(subscribe(0x82, 9, "m/a", 0, "m/b", 0, "m/c", 0));
            assertEquals("900500" + "09" + "000000", hex(sub.read()));
            for (String t : new String[]{"m/a", "m/b", "m/c"}) {
                pub.publish(t, 0, 0, false, t, 4);
            }
            for (String t : new String[]{"m/a", "m/b", "m/c"}) {
                assertEquals(t, sub.expect(PUBLISH).topic());
            }
            assertTrue(sub.silentFor(QUIET), "one SUBACK only");
        }
    }

    @Test
    void subackHoldsTheGrantedQosOrFailureForEachFilter_MQTT_3_8_4_5() throws Exception {
        try (RawClient c = connected("c")) {
            c.write(subscribe(0x82, 3, "ok/#", 2, "bad/#/x", 1));
            assertEquals("900400030280", hex(c.read()));
        }
    }

    @Test
    void deliveryQosIsTheMinimumOfPublishedAndGranted_MQTT_3_8_4_6() throws Exception {
        try (RawClient sub1 = connected("sub1"); RawClient sub0 = connected("sub0"); RawClient pub = connected("pub")) {
            sub1.subscribe(1, "min/t", 1, 4);
            sub1.expect(SUBACK);
            sub0.subscribe(1, "min/t", 0, 4);
            sub0.expect(SUBACK);
            pub.publish("min/t", 2, 1, false, "two", 4);
            pub.expect(PUBREC);
            pub.ack(PUBREL, 1);
            pub.expect(PUBCOMP);
            assertEquals(1, sub1.expect(PUBLISH).qos(), "QoS 2 published, QoS 1 granted");
            assertEquals(0, sub0.expect(PUBLISH).qos(), "QoS 2 published, QoS 0 granted");
            pub.publish("min/t", 0, 0, false, "zero", 4);
            RawClient.Packet p = sub1.expect(PUBLISH);
            assertEquals("zero", p.payload311());
            assertEquals(0, p.qos(), "QoS 0 published, QoS 1 granted");
        }
    }

    @Test
    void subackReturnCodesFollowTheOrderOfTheFilters_MQTT_3_9_3_1() throws Exception {
        try (RawClient c = connected("c")) {
            c.write(subscribe(0x82, 4, "a", 2, "b", 0, "c", 1));
            assertEquals("900500" + "04" + "020001", hex(c.read()));
        }
    }

    @Test
    void refusedFiltersAreAnsweredWith0x80Only_MQTT_3_9_3_2() throws Exception {
        try (RawClient c = connected("c")) {
            String tooDeep = "l/".repeat(MAX_LEVELS) + "l";
            c.write(subscribe(0x82, 5, "a/b#", 1, tooDeep, 1, "+x", 0));
            assertEquals("900500" + "05" + "808080", hex(c.read()), "0x80, never a 5.0 code such as 0x8F or 0x97");
        }
    }
}
