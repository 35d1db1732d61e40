package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HexFormat;

import static io.oncemq.broker.Raw311Packets.bytes;
import static io.oncemq.broker.Raw311Packets.subscribe;
import static io.oncemq.broker.Raw311Packets.unsubscribe;
import static io.oncemq.broker.RawClient.PUBACK;
import static io.oncemq.broker.RawClient.PUBLISH;
import static io.oncemq.broker.RawClient.SUBACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 3.1.1 §3.10 UNSUBSCRIBE and §3.11 UNSUBACK. */
class Spec311_3_10UnsubscribeTest {

    private static final Duration QUIET = Duration.ofMillis(300);

    @RegisterExtension
    final TestNode node = new TestNode();

    private RawClient connected(String id, boolean clean) throws Exception {
        return RawClient.connected311(node.port(), id, clean);
    }

    private void assertClosedAfter(byte[] packet) throws Exception {
        RawClient.assertClosedAfter311(node.port(), packet);
    }

    /** The packet as hex: first byte, remaining length, body. */
    private static String hex(RawClient.Packet p) {
        return HexFormat.of().formatHex(new byte[]{(byte) p.header(), (byte) p.body().length}) + HexFormat.of().formatHex(p.body());
    }

    /** Publishes QoS 0 to each topic, then a QoS 0 "marker" so the subscriber knows when to stop reading. */
    private void publishThenMarker(String... topics) throws Exception {
        try (RawClient pub = connected("pub", true)) {
            for (String t : topics) {
                pub.publish(t, 0, 0, false, t, 4);
            }
            pub.publish("marker", 0, 0, false, "marker", 4);
        }
    }

    @Test
    void unsubscribeWithFlags0000ClosesTheConnection_MQTT_3_10_1_1() throws Exception {
        assertClosedAfter(unsubscribe(0xA0, 1, "a/b"));
    }

    @Test
    void illFormedUtf8TopicFilterClosesTheConnection_MQTT_3_10_3_1() throws Exception {
        assertClosedAfter(unsubscribe(0xA2, 1, bytes(new byte[]{(byte) 0xC3, 0x28})));
    }

    @Test
    void unsubscribeWithoutTopicFiltersClosesTheConnection_MQTT_3_10_3_2() throws Exception {
        assertClosedAfter(unsubscribe(0xA2, 1));
    }

    @Test
    void onlyACharacterForCharacterMatchDeletesASubscription_MQTT_3_10_4_1() throws Exception {
        try (RawClient sub = connected("sub", true)) {
            sub.write(subscribe(0x82, 1, "a/#", 0, "b/+", 0, "marker", 0));
            sub.expect(SUBACK);
            sub.write(unsubscribe(0xA2, 2, "a/+", "b/#", "B/+"));
            assertEquals("b0020002", hex(sub.read()));
            publishThenMarker("a/x", "b/x");
            assertEquals("a/x", sub.expect(PUBLISH).topic(), "a/# is not deleted by a/+");
            assertEquals("b/x", sub.expect(PUBLISH).topic(), "b/+ is not deleted by b/# nor B/+");
            assertEquals("marker", sub.expect(PUBLISH).topic());

            sub.write(unsubscribe(0xA2, 3, "a/#"));
            assertEquals("b0020003", hex(sub.read()));
            publishThenMarker("a/x");
            assertEquals("marker", sub.expect(PUBLISH).topic(), "the exact filter deleted a/#");
        }
    }

    @Test
    void noNewMessagesAfterUnsubscribe_MQTT_3_10_4_2() throws Exception {
        try (RawClient sub = connected("sub", true)) {
            sub.write(subscribe(0x82, 1, "gone/t", 1, "marker", 0));
            sub.expect(SUBACK);
            sub.write(unsubscribe(0xA2, 2, "gone/t"));
            assertEquals("b0020002", hex(sub.read()));
            publishThenMarker("gone/t");
            assertEquals("marker", sub.expect(PUBLISH).topic());
            assertTrue(sub.silentFor(QUIET));
        }
    }

    @Test
    void deliveryAlreadyStartedIsCompletedAfterUnsubscribe_MQTT_3_10_4_3() throws Exception {
        int id;
        try (RawClient sub = connected("kept", false)) {
            sub.write(subscribe(0x82, 1, "inflight/t", 1));
            sub.expect(SUBACK);
            try (RawClient pub = connected("pub", true)) {
                pub.publish("inflight/t", 1, 1, false, "started", 4);
                pub.expect(PUBACK);
            }
            id = sub.expect(PUBLISH).publishId(); // not acknowledged
            sub.write(unsubscribe(0xA2, 2, "inflight/t"));
            assertEquals("b0020002", hex(sub.read()));
        }
        try (RawClient again = new RawClient(node.port())) {
            assertEquals(1, again.connect("kept", false, 0, 4).body()[0], "session present");
            RawClient.Packet resent = again.expect(PUBLISH);
            assertEquals(id, resent.publishId());
            assertEquals("started", resent.payload311());
            assertTrue(resent.dup());
            again.ack(PUBACK, id);
            assertTrue(again.silentFor(QUIET));
        }
    }

    @Test
    void unsubackCarriesTheUnsubscribesPacketIdentifier_MQTT_3_10_4_4() throws Exception {
        try (RawClient c = connected("c", true)) {
            c.write(subscribe(0x82, 1, "a/b", 0));
            c.expect(SUBACK);
            c.write(unsubscribe(0xA2, 0x0102, "a/b"));
            assertEquals("b0020102", hex(c.read()));
        }
    }

    @Test
    void unsubackIsSentEvenWhenNothingWasSubscribed_MQTT_3_10_4_5() throws Exception {
        try (RawClient c = connected("c", true)) {
            c.write(unsubscribe(0xA2, 7, "never/subscribed"));
            assertEquals("b0020007", hex(c.read()));
        }
    }

    @Test
    void severalFiltersAreAnsweredWithOneUnsubackAndAllAreRemoved_MQTT_3_10_4_6() throws Exception {
        try (RawClient sub = connected("sub", true)) {
            sub.write(subscribe(0x82, 1, "x/1", 0, "x/2", 0, "marker", 0));
            sub.expect(SUBACK);
            sub.write(unsubscribe(0xA2, 2, "x/1", "x/2"));
            assertEquals("b0020002", hex(sub.read()));
            publishThenMarker("x/1", "x/2");
            assertEquals("marker", sub.expect(PUBLISH).topic(), "both removed, and no second UNSUBACK before it");
            assertTrue(sub.silentFor(QUIET));
        }
    }
}
