package io.oncemq.broker;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

import static io.oncemq.broker.Raw311Packets.CLEAN_SESSION;
import static io.oncemq.broker.Raw311Packets.RESERVED;
import static io.oncemq.broker.Raw311Packets.USER_NAME;
import static io.oncemq.broker.Raw311Packets.WILL;
import static io.oncemq.broker.Raw311Packets.WILL_QOS_1;
import static io.oncemq.broker.Raw311Packets.WILL_QOS_2;
import static io.oncemq.broker.Raw311Packets.WILL_RETAIN;
import static io.oncemq.broker.Raw311Packets.assertClosedWithoutAnyPacket;
import static io.oncemq.broker.Raw311Packets.bytes;
import static io.oncemq.broker.Raw311Packets.connect;
import static io.oncemq.broker.Raw311Packets.str;
import static io.oncemq.broker.RawClient.CONNACK;
import static io.oncemq.broker.RawClient.PUBLISH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 3.1.1 §3.1 CONNECT: protocol name and level, connect flags, payload fields, the response. */
class Spec311_3_1ConnectTest {

    private static final Duration CLOSE = Duration.ofSeconds(5);
    private static final Duration QUIET = Duration.ofMillis(300);
    /** Bytes C3 28: a lead byte followed by a byte that cannot continue it, ill-formed UTF-8. */
    private static final byte[] ILL_FORMED = {(byte) 0xC3, 0x28};

    @RegisterExtension
    final TestNode node = new TestNode(Map.of("max-client-id-length", "23"));

    /** Sends raw CONNECT bytes on a fresh socket and asserts the broker closes it without a CONNACK. */
    private void assertRefusedByClose(byte[] connect) throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.write(connect);
            assertClosedWithoutAnyPacket(c);
        }
    }

    private RawClient watcher(String filter) throws Exception {
        return new RawClient(node.port()).connectAndSubscribe("watcher", true, filter, 1);
    }

    /** The packet as hex: first byte, remaining length (one byte: short packets only), body. */
    private static String hex(RawClient.Packet p) {
        return HexFormat.of().formatHex(new byte[]{(byte) p.header(), (byte) p.body().length}) + HexFormat.of().formatHex(p.body());
    }

    @Test
    void wrongProtocolNameIsRefusedAndClosed_MQTT_3_1_2_1() throws Exception {
        for (String name : new String[]{"XXXX", "MQIsdp"}) {
            try (RawClient c = new RawClient(node.port())) {
                c.write(connect(name, 4, CLEAN_SESSION, str("badname")));
                assertEquals("20020001", hex(c.read()), "not processed as 3.1.1: unacceptable protocol, for " + name);
                assertTrue(c.closedWithin(CLOSE));
            }
        }
    }

    @Test
    void unsupportedProtocolLevelIsAnsweredWith0x01AndClosed_MQTT_3_1_2_2() throws Exception {
        for (int level : new int[]{3, 7}) {
            try (RawClient c = new RawClient(node.port())) {
                c.write(connect("MQTT", level, CLEAN_SESSION, str("level" + level)));
                RawClient.Packet ack = c.read();
                assertEquals("20020001", hex(ack), "CONNACK for level " + level);
                assertTrue(c.closedWithin(CLOSE));
            }
        }
    }

    @Test
    void reservedConnectFlagSetClosesTheConnection_MQTT_3_1_2_3() throws Exception {
        assertRefusedByClose(connect(CLEAN_SESSION | RESERVED, str("reserved")));
    }

    @Test
    void retainedMessageOutlivesTheCleanSessionThatPublishedIt_MQTT_3_1_2_7() throws Exception {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        MqttClient pub = new MqttClient("tcp://127.0.0.1:" + node.port(), "retainer", new MemoryPersistence());
        pub.connect(o);
        pub.publish("kept/door", "open".getBytes(), 1, true);
        pub.disconnect();
        pub.close();
        try (RawClient sub = new RawClient(node.port())) {
            sub.connectAndSubscribe("later", true, "kept/door", 1);
            RawClient.Packet p = sub.expect(PUBLISH);
            assertEquals("kept/door", p.topic());
            assertEquals("open", p.payload311());
        }
    }

    @Test
    void willTopicAndMessageWithoutWillFlagCloseWithoutConnack_MQTT_3_1_4_1() throws Exception {
        assertRefusedByClose(connect(CLEAN_SESSION, str("willfields"), str("w/t"), str("m")));
    }

    @Test
    void clientWithoutWillDroppingAbruptlyPublishesNothing_MQTT_3_1_2_12() throws Exception {
        try (RawClient watcher = watcher("#")) {
            try (RawClient rude = new RawClient(node.port())) {
                assertEquals(0, rude.connect("nowill", true, 0, 4).body()[1]);
            }
            // a marker published after the drop arrives first: nothing was published before it
            try (RawClient pub = new RawClient(node.port())) {
                pub.connect("marker", true, 0, 4);
                pub.publish("marker", 1, 1, false, "m", 4);
                assertEquals("marker", watcher.expect(PUBLISH).topic());
            }
            assertTrue(watcher.silentFor(QUIET));
        }
    }

    @Test
    void willQos3ClosesTheConnection_MQTT_3_1_2_14() throws Exception {
        assertRefusedByClose(connect(CLEAN_SESSION | WILL | WILL_QOS_1 | WILL_QOS_2, str("willqos3"), str("w/t"), str("m")));
    }

    @Test
    void willWithRetain0IsPublishedNotRetained_MQTT_3_1_2_16() throws Exception {
        try (RawClient watcher = watcher("wills/#")) {
            try (RawClient rude = new RawClient(node.port())) {
                rude.write(connect(CLEAN_SESSION | WILL | WILL_QOS_1, str("rude"), str("wills/rude"), str("gone")));
                assertEquals(0, rude.expect(CONNACK).body()[1]);
            }
            RawClient.Packet will = watcher.expect(PUBLISH);
            assertEquals("wills/rude", will.topic());
            assertEquals(0, will.flags() & 1, "RETAIN");
            watcher.ack(RawClient.PUBACK, will.publishId());
        }
        try (RawClient later = new RawClient(node.port())) {
            later.connectAndSubscribe("later", true, "wills/#", 1);
            assertTrue(later.silentFor(QUIET), "a will with Will Retain 0 is not retained");
        }
    }

    @Test
    void willWithRetain1IsPublishedRetained_MQTT_3_1_2_17() throws Exception {
        try (RawClient watcher = watcher("wills/#")) {
            try (RawClient rude = new RawClient(node.port())) {
                rude.write(connect(CLEAN_SESSION | WILL | WILL_QOS_1 | WILL_RETAIN, str("rude"), str("wills/rude"), str("gone")));
                assertEquals(0, rude.expect(CONNACK).body()[1]);
            }
            watcher.ack(RawClient.PUBACK, watcher.expect(PUBLISH).publishId()); // the will is out
        }
        try (RawClient later = new RawClient(node.port())) {
            later.connectAndSubscribe("later", true, "wills/rude", 1);
            RawClient.Packet will = later.expect(PUBLISH);
            assertEquals("wills/rude", will.topic());
            assertEquals("gone", will.payload311());
            assertEquals(1, will.flags() & 1, "RETAIN");
        }
    }

    @Test
    void userNameWithoutUserNameFlagClosesTheConnection_MQTT_3_1_2_18() throws Exception {
        assertRefusedByClose(connect(CLEAN_SESSION, str("nouserflag"), str("user")));
    }

    @Test
    void passwordWithoutPasswordFlagClosesTheConnection_MQTT_3_1_2_20() throws Exception {
        assertRefusedByClose(connect(CLEAN_SESSION | USER_NAME, str("nopassflag"), str("user"), str("secret")));
    }

    @Test
    void illFormedUtf8ClientIdClosesTheConnection_MQTT_3_1_3_4() throws Exception {
        assertRefusedByClose(connect(CLEAN_SESSION, bytes(ILL_FORMED)));
    }

    @Test
    void clientIdOf23AlphanumericCharactersIsAccepted_MQTT_3_1_3_5() throws Exception {
        for (String id : new String[]{"0123456789abcdefghijklm", "nopqrstuvwxyzABCDEFGHIJ", "KLMNOPQRSTUVWXYZ", "a"}) {
            try (RawClient c = new RawClient(node.port())) {
                assertEquals("20020000", hex(c.connect(id, true, 0, 4)), "client id " + id);
            }
        }
    }

    @Test
    void twoClientsWithEmptyClientIdGetSeparateSessions_MQTT_3_1_3_6() throws Exception {
        try (RawClient a = new RawClient(node.port()); RawClient b = new RawClient(node.port())) {
            a.connectAndSubscribe("", true, "only/a", 1);
            b.connectAndSubscribe("", true, "only/b", 1);
            try (RawClient pub = new RawClient(node.port())) {
                pub.connect("pub", true, 0, 4);
                pub.publish("only/a", 0, 0, false, "for a", 4);
                pub.publish("only/b", 0, 0, false, "for b", 4);
            }
            RawClient.Packet toA = a.expect(PUBLISH);
            RawClient.Packet toB = b.expect(PUBLISH);
            assertEquals("only/a", toA.topic());
            assertEquals("only/b", toB.topic());
            assertTrue(a.silentFor(QUIET), "a is still connected and got only its own message");
            assertTrue(b.silentFor(QUIET), "b is still connected and got only its own message");
        }
    }

    @Test
    void rejectedClientIdIsAnsweredWith0x02AndClosed_MQTT_3_1_3_9() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            RawClient.Packet ack = c.connect("x".repeat(24), true, 0, 4); // max-client-id-length is 23 here
            assertEquals("20020002", hex(ack));
            assertTrue(c.closedWithin(CLOSE));
        }
    }

    @Test
    void illFormedUtf8WillTopicClosesTheConnection_MQTT_3_1_3_10() throws Exception {
        assertRefusedByClose(connect(CLEAN_SESSION | WILL, str("badwill"), bytes(ILL_FORMED), str("m")));
    }

    @Test
    void illFormedUtf8UserNameClosesTheConnection_MQTT_3_1_3_11() throws Exception {
        assertRefusedByClose(connect(CLEAN_SESSION | USER_NAME, str("baduser"), bytes(ILL_FORMED)));
    }

    @Test
    void connectWithALyingRemainingLengthIsClosedWithoutConnack_MQTT_3_1_4_1() throws Exception {
        byte[] good = connect(CLEAN_SESSION, str("liar"));
        good[1] = (byte) (good[1] - 2); // the client id's length now runs past the end of the packet
        assertRefusedByClose(good);
    }

    @Test
    void secondConnectionWithTheSameClientIdClosesTheFirst_MQTT_3_1_4_2() throws Exception {
        try (RawClient first = new RawClient(node.port()); RawClient second = new RawClient(node.port())) {
            assertEquals(0, first.connect("same", true, 0, 4).body()[1]);
            assertEquals(0, second.connect("same", true, 0, 4).body()[1]);
            assertTrue(first.closedWithin(CLOSE));
            second.write(new byte[]{(byte) 0xC0, 0x00});
            assertEquals(13, second.read().type(), "the new connection stays: PINGRESP");
        }
    }

    @Test
    void dataAfterARefusedConnectIsNotProcessed_MQTT_3_1_4_5() throws Exception {
        try (RawClient watcher = watcher("after/#"); RawClient c = new RawClient(node.port())) {
            byte[] refused = connect(0, str("")); // empty client id with a kept session: refused with 0x02
            byte[] publish = Raw311Packets.publish(0x30, "after/refusal", 0, "x".getBytes());
            byte[] both = new byte[refused.length + publish.length];
            System.arraycopy(refused, 0, both, 0, refused.length);
            System.arraycopy(publish, 0, both, refused.length, publish.length);
            c.write(both);
            assertEquals("20020002", hex(c.read()));
            assertTrue(c.closedWithin(CLOSE));
            assertTrue(watcher.silentFor(QUIET), "the PUBLISH sent after the refused CONNECT must not be routed");
        }
    }
}
