package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import static io.oncemq.broker.RawClient.bytes;
import static io.oncemq.broker.RawClient.concat;
import static io.oncemq.broker.RawClient.field;
import static io.oncemq.broker.RawClient.packet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 5.0 §3.1 CONNECT: what the server accepts, refuses and closes, Client Identifiers, Clean Start and the Will. */
class Spec3_1ConnectTest {

    private static final byte[] BAD_UTF8 = bytes(0xC3, 0x28);
    private static final int CLEAN = 0x02;
    private static final int WILL = 0x04;
    private static final int WILL_RETAIN = 0x20;
    private static final int PASSWORD = 0x40;
    private static final int USER_NAME = 0x80;
    private static final int ASSIGNED_CLIENT_IDENTIFIER = 0x12;
    /** Session Expiry Interval 300 s. */
    private static final byte[] KEPT = bytes(0x11, 0, 0, 0x01, 0x2C);
    private static final byte[] AUTH_METHOD = concat(bytes(0x15), field("SCRM"));

    /** A CONNECT cut short is waited for by the codec until the connect timeout: 2 s here. */
    @RegisterExtension
    final TestNode node = new TestNode(Map.of("connect-timeout", "2"));

    /** A CONNECT with keep-alive 0 and no properties, the rest as given. */
    private static byte[] connect(String protocolName, int level, int flags, byte[]... payload) {
        return packet(0x10, field(protocolName), bytes(level, flags, 0, 0, 0), concat(payload));
    }

    /** A 5.0 CONNECT with a will (QoS 1) carrying the will properties; {@code flags} adds to Clean Start and Will. */
    private static byte[] willConnect(String clientId, int flags, byte[] connectProperties, byte[] willProperties, String willTopic, String willPayload) {
        return packet(0x10, field("MQTT"), bytes(5, CLEAN | WILL | 0x08 | flags, 0, 0, connectProperties.length), connectProperties,
                field(clientId), bytes(willProperties.length), willProperties, field(willTopic), field(willPayload));
    }

    /** The broker refuses the CONNECT: at most a CONNACK with one of the codes (never a DISCONNECT, MQTT-3.14.0-1), then the close. */
    private void assertRefused(byte[] connect, int... allowedCodes) throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.write(connect);
            RawClient.Packet p = c.readOrEnd();
            if (p != null) {
                assertEquals(RawClient.CONNACK, p.type(), "only a CONNACK may answer a refused CONNECT");
                int code = p.body()[1] & 0xFF;
                assertTrue(Arrays.stream(allowedCodes).anyMatch(a -> a == code), "CONNACK code " + Integer.toHexString(code));
            }
            assertTrue(c.closedWithin(Duration.ofSeconds(5)), "connection closed");
        }
    }

    private static RawClient watcher(int port, String filter) throws Exception {
        RawClient w = new RawClient(port);
        assertEquals(0, w.connect5("watcher-" + filter.hashCode(), new byte[0]).body()[1]);
        w.subscribe(1, filter, 1, 5);
        w.expect(RawClient.SUBACK);
        return w;
    }

    @Test
    void protocolNameOtherThanMqttIsRefusedAndClosed_MQTT_3_1_2_1() throws Exception {
        // vertx-mqtt answers 0x01, the 3.1.1 code: a server cannot know which CONNACK format an unknown protocol reads
        assertRefused(connect("MQTX", 5, CLEAN, field("c")), 0x84, 0x01);
    }

    @Test
    void protocolVersionOtherThan5IsRefusedAndClosed_MQTT_3_1_2_2() throws Exception {
        assertRefused(connect("MQTT", 6, CLEAN, field("c")), 0x84, 0x01);
    }

    @Test
    void reservedConnectFlagSetIsMalformedAndClosed_MQTT_3_1_2_3() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN | 0x01, field("c")), 0x81, 0x82);
    }

    @Test
    void willFlagWithoutWillPropertiesTopicAndPayloadIsClosedByTheConnectTimeout_MQTT_3_1_2_9() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN | WILL, field("c")), 0x81);
    }

    @Test
    void willQosWithoutWillFlagIsClosed_MQTT_3_1_2_11() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN | 0x08, field("c")), 0x81, 0x82);
    }

    @Test
    void willQos3IsMalformedAndClosed_MQTT_3_1_2_12() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN | WILL | 0x18, field("c"), bytes(0), field("w/t"), field("x")), 0x81);
    }

    @Test
    void willRetainWithoutWillFlagIsClosed_MQTT_3_1_2_13() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN | WILL_RETAIN, field("c")), 0x81, 0x82);
    }

    @Test
    void userNameWithoutUserNameFlagIsClosed_MQTT_3_1_2_16() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN, field("c"), field("user")), 0x81);
    }

    @Test
    void userNameFlagWithoutUserNameIsClosedByTheConnectTimeout_MQTT_3_1_2_17() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN | USER_NAME, field("c")), 0x81);
    }

    @Test
    void passwordWithoutPasswordFlagIsClosed_MQTT_3_1_2_18() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN | USER_NAME, field("c"), field("user"), field("secret")), 0x81);
    }

    @Test
    void passwordFlagWithoutPasswordIsClosedByTheConnectTimeout_MQTT_3_1_2_19() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN | USER_NAME | PASSWORD, field("c"), field("user")), 0x81);
    }

    @Test
    void payloadFieldsOutOfOrderAreClosedByTheConnectTimeout_MQTT_3_1_3_1() throws Exception {
        // user name written before the will properties, topic and payload
        assertRefused(connect("MQTT", 5, CLEAN | WILL | USER_NAME, field("c"), field("user"), bytes(0), field("w/t"), field("x")), 0x81);
    }

    @Test
    void connectWithoutClientIdentifierIsClosedByTheConnectTimeout_MQTT_3_1_3_3() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN), 0x81);
    }

    @Test
    void clientIdentifierThatIsNotUtf8IsClosed_MQTT_3_1_3_4() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN, field(BAD_UTF8)), 0x81, 0x85);
    }

    @Test
    void willTopicThatIsNotUtf8IsClosed_MQTT_3_1_3_11() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN | WILL, field("c"), bytes(0), field(BAD_UTF8), field("x")), 0x81);
    }

    @Test
    void userNameThatIsNotUtf8IsClosed_MQTT_3_1_3_12() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN | USER_NAME, field("c"), field(BAD_UTF8)), 0x81);
    }

    @Test
    void connectWithBytesBeyondItsFieldsIsMalformedAndClosed_MQTT_3_1_4_1() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN, field("c"), bytes(0x00, 0x01, 0x7A)), 0x81);
    }

    @Test
    void clientIdentifierTheServerRejectsIsClosed_MQTT_3_1_3_8() throws Exception {
        assertRefused(connect("MQTT", 5, CLEAN, field("x".repeat(300))), 0x85); // above max-client-id-length 256
    }

    @Test
    void twentyThreeAlphanumericCharactersAreAccepted_MQTT_3_1_3_5() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            assertEquals(0, c.connect5("0123456789abcdefghiJKLM", new byte[0]).body()[1]);
        }
    }

    @Test
    void emptyClientIdentifierGetsAUniqueAssignedOne_MQTT_3_1_3_6_and_3_2_2_16() throws Exception {
        try (RawClient a = new RawClient(node.port()); RawClient b = new RawClient(node.port())) {
            RawClient.Packet ca = a.connect5("", new byte[0]);
            RawClient.Packet cb = b.connect5("", new byte[0]);
            assertEquals(0, ca.body()[1]);
            assertEquals(0, cb.body()[1]);
            Object idA = ca.properties(2).get(ASSIGNED_CLIENT_IDENTIFIER);
            Object idB = cb.properties(2).get(ASSIGNED_CLIENT_IDENTIFIER);
            assertTrue(idA instanceof String s && !s.isEmpty(), "Assigned Client Identifier present");
            assertTrue(idB instanceof String s && !s.isEmpty());
            assertNotEquals(idA, idB, "not the id of another connected client");
        }
    }

    @Test
    void assignedClientIdentifierNamesTheSessionLikeASentOne_MQTT_3_1_3_7() throws Exception {
        String assigned;
        try (RawClient c = new RawClient(node.port())) {
            // vertx-mqtt refuses an empty id with Clean Start 0 (0x85, which MQTT-3.1.3-8 allows): Clean Start 1, kept
            RawClient.Packet connack = c.connect5("", true, KEPT);
            assigned = (String) connack.properties(2).get(ASSIGNED_CLIENT_IDENTIFIER);
            c.subscribe(1, "as/#", 1, 5);
            c.expect(RawClient.SUBACK);
        }
        try (RawClient c = new RawClient(node.port()); RawClient pub = new RawClient(node.port())) {
            RawClient.Packet connack = c.connect5(assigned, false, KEPT);
            assertEquals(0, connack.body()[1]);
            assertEquals(1, connack.body()[0], "the session kept under the assigned id is present");
            pub.connect5("pub", new byte[0]);
            pub.publish("as/x", 1, 1, false, "hi", 5);
            assertEquals("as/x", c.expect(RawClient.PUBLISH).topic());
        }
    }

    @Test
    void cleanStartDiscardsAKeptSessionAndItsSubscriptions_MQTT_3_1_2_4_and_3_1_4_4_and_3_2_2_2() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            assertEquals(0, c.connect5("cs", false, KEPT).body()[0]);
            c.subscribe(1, "cs/#", 1, 5);
            c.expect(RawClient.SUBACK);
        }
        try (RawClient c = new RawClient(node.port())) {
            assertEquals(1, c.connect5("cs", false, KEPT).body()[0], "Clean Start 0 resumes");
        }
        try (RawClient c = new RawClient(node.port()); RawClient pub = new RawClient(node.port())) {
            RawClient.Packet connack = c.connect5("cs", true, KEPT);
            assertEquals(0, connack.body()[0], "Clean Start 1: Session Present 0");
            assertEquals(0, connack.body()[1], "and reason 0x00");
            pub.connect5("pub", new byte[0]);
            pub.publish("cs/x", 1, 1, false, "old subscription", 5);
            pub.expect(RawClient.PUBACK);
            assertTrue(c.silentFor(Duration.ofMillis(400)), "the discarded subscription delivers nothing");
        }
    }

    @Test
    void refusedConnectIsFollowedByNoProcessingOfLaterPackets_MQTT_3_1_4_6() throws Exception {
        try (RawClient w = watcher(node.port(), "rf/#"); RawClient c = new RawClient(node.port())) {
            byte[] refused = packet(0x10, field("MQTT"), bytes(5, CLEAN, 0, 0, AUTH_METHOD.length), AUTH_METHOD, field("rf"));
            byte[] publish = packet(0x30, field("rf/x"), bytes(0), "sneaked".getBytes());
            c.write(concat(refused, publish));
            assertEquals(0x8C, c.read().body()[1] & 0xFF);
            assertTrue(w.silentFor(Duration.ofMillis(500)), "the PUBLISH after the refused CONNECT is not routed");
        }
    }

    @Test
    void willIsStoredAndPublishedNonRetainedWhenTheConnectionDrops_MQTT_3_1_2_7_and_3_1_2_14() throws Exception {
        try (RawClient w = watcher(node.port(), "will/#")) {
            RawClient c = new RawClient(node.port());
            c.write(willConnect("dies", 0, new byte[0], new byte[0], "will/dies", "gone"));
            assertEquals(0, c.read().body()[1]);
            c.close();
            RawClient.Packet will = w.expect(RawClient.PUBLISH);
            assertEquals("will/dies", will.topic());
            assertEquals(0, will.flags() & 1, "Will Retain 0: RETAIN 0");
            assertTrue(w.silentFor(Duration.ofMillis(300)), "published once");
        }
        try (RawClient late = new RawClient(node.port())) {
            late.connect5("late", new byte[0]);
            late.subscribe(1, "will/#", 1, 5);
            late.expect(RawClient.SUBACK);
            assertTrue(late.silentFor(Duration.ofMillis(300)), "nothing retained");
        }
    }

    @Test
    void willWithRetainIsPublishedAsARetainedMessage_MQTT_3_1_2_15() throws Exception {
        RawClient c = new RawClient(node.port());
        c.write(willConnect("dies", WILL_RETAIN, new byte[0], new byte[0], "will/kept", "last words"));
        assertEquals(0, c.read().body()[1]);
        c.close();
        try (RawClient w = watcher(node.port(), "will/kept")) {
            // the will is published on close; a subscriber arriving afterwards gets it as retained
            RawClient.Packet retained = w.expect(RawClient.PUBLISH);
            assertEquals("will/kept", retained.topic());
            assertEquals(1, retained.flags() & 1, "RETAIN 1");
        }
    }

    @Test
    void willUserPropertiesKeepTheirOrder_MQTT_3_1_3_10() throws Exception {
        byte[] userProperties = concat(bytes(0x26), field("b"), field("2"), bytes(0x26), field("a"), field("1"), bytes(0x26), field("b"), field("3"));
        try (RawClient w = watcher(node.port(), "will/#")) {
            RawClient c = new RawClient(node.port());
            c.write(willConnect("ordered", 0, new byte[0], userProperties, "will/ordered", "x"));
            assertEquals(0, c.read().body()[1]);
            c.close();
            RawClient.Packet will = w.expect(RawClient.PUBLISH);
            byte[] body = will.body();
            int propertiesStart = 2 + "will/ordered".length() + 2 + 1; // topic, packet id, property length (< 128)
            byte[] properties = Arrays.copyOfRange(body, propertiesStart, propertiesStart + (body[propertiesStart - 1] & 0xFF));
            assertTrue(indexOf(properties, userProperties) >= 0, "b=2, a=1, b=3 in that order: " + Arrays.toString(properties));
        }
    }

    @Test
    void willWaitsForItsDelayInterval_MQTT_3_1_2_8() throws Exception {
        byte[] willDelay1s = bytes(0x18, 0, 0, 0, 1);
        try (RawClient w = watcher(node.port(), "will/#")) {
            RawClient c = new RawClient(node.port());
            c.write(willConnect("delayed", 0, bytes(0x11, 0, 0, 0, 60), willDelay1s, "will/delayed", "x"));
            assertEquals(0, c.read().body()[1]);
            long dropped = System.nanoTime();
            c.close();
            assertEquals("will/delayed", w.expect(RawClient.PUBLISH).topic());
            long waitedMs = (System.nanoTime() - dropped) / 1_000_000;
            assertTrue(waitedMs >= 950, "published after the 1 s Will Delay Interval, not after " + waitedMs + " ms");
        }
    }

    @Test
    void willIsNotSentWhenTheSessionIsResumedWithinTheDelay_MQTT_3_1_3_9_and_3_1_2_8() throws Exception {
        byte[] willDelay1s = bytes(0x18, 0, 0, 0, 1);
        byte[] expiry60 = bytes(0x11, 0, 0, 0, 60);
        try (RawClient w = watcher(node.port(), "will/#")) {
            RawClient c = new RawClient(node.port());
            c.write(willConnect("back", 0, expiry60, willDelay1s, "will/back", "x"));
            assertEquals(0, c.read().body()[1]);
            long dropped = System.currentTimeMillis();
            c.close();
            try (RawClient again = new RawClient(node.port())) {
                assertEquals(1, again.connect5("back", false, expiry60).body()[0], "resumed within the delay");
                Await.until(() -> System.currentTimeMillis() > dropped + 1300, Duration.ofSeconds(5), "the will delay passed");
                assertTrue(w.silentFor(Duration.ofMillis(400)), "no will after a resume within the delay");
            }
        }
    }

    @Test
    void tooLargeMessageIsDroppedAndItsWindowSlotFreed_MQTT_3_1_2_25() throws Exception {
        // Maximum Packet Size 200, Receive Maximum 1, Session Expiry 300
        byte[] props = concat(bytes(0x27, 0, 0, 0, 200, 0x21, 0, 1), KEPT);
        try (RawClient pub = new RawClient(node.port())) {
            pub.connect5("pub", new byte[0]);
            try (RawClient sub = new RawClient(node.port())) {
                assertEquals(0, sub.connect5("small", false, props).body()[1]);
                sub.subscribe(1, "mps/#", 1, 5);
                sub.expect(RawClient.SUBACK);
                pub.publish("mps/big", 1, 1, false, "x".repeat(500), 5);
                pub.expect(RawClient.PUBACK);
                pub.publish("mps/small", 1, 2, false, "ok", 5);
                pub.expect(RawClient.PUBACK);
                RawClient.Packet first = sub.expect(RawClient.PUBLISH);
                assertEquals("mps/small", first.topic(), "the oversized one is skipped and does not hold the only window slot");
                sub.ack(RawClient.PUBACK, first.publishId());
            }
            try (RawClient sub = new RawClient(node.port())) {
                assertEquals(1, sub.connect5("small", false, props).body()[0]);
                assertTrue(sub.silentFor(Duration.ofMillis(400)), "never sent later either");
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
