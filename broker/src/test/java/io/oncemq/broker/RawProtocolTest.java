package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static io.oncemq.broker.RawClient.CONNACK;
import static io.oncemq.broker.RawClient.PUBCOMP;
import static io.oncemq.broker.RawClient.PUBLISH;
import static io.oncemq.broker.RawClient.PUBREC;
import static io.oncemq.broker.RawClient.PUBREL;
import static io.oncemq.broker.RawClient.SUBACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-hop QoS 2 state machines (DESIGN.md §1) driven packet by packet over a raw socket. */
class RawProtocolTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    private RawClient subscriber(String id, String filter, boolean clean, int level) throws Exception {
        RawClient c = new RawClient(node.port());
        assertEquals(0, c.connect(id, clean, 0, level).body()[1]);
        c.subscribe(1, filter, 2, level);
        c.expect(SUBACK);
        return c;
    }

    @Test
    void repeatedPublishWithAHeldIdIsAcknowledgedButNeverForwardedAgain() throws Exception {
        try (RawClient sub = subscriber("sub", "held/t", true, 4); RawClient pub = new RawClient(node.port())) {
            pub.connect("pub", true, 0, 4);
            pub.publish("held/t", 2, 7, false, "first", 4);
            assertEquals(7, pub.expect(PUBREC).packetId());
            pub.publish("held/t", 2, 7, true, "first", 4);
            assertEquals(7, pub.expect(PUBREC).packetId());
            pub.ack(PUBREL, 7);
            assertEquals(7, pub.expect(PUBCOMP).packetId());
            // after PUBCOMP, 7 names a new message
            pub.publish("held/t", 2, 7, false, "second", 4);
            assertEquals(7, pub.expect(PUBREC).packetId());

            assertEquals("first", sub.expect(PUBLISH).payload311());
            assertEquals("second", sub.expect(PUBLISH).payload311(), "the repeated PUBLISH must not be forwarded");
            assertTrue(sub.silentFor(Duration.ofMillis(300)));
        }
    }

    @Test
    void pubrelForAnUnknownIdIsAnsweredWithPubcomp() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.connect("c311", true, 0, 4);
            c.ack(PUBREL, 99);
            assertEquals(99, c.expect(PUBCOMP).packetId());
        }
    }

    @Test
    void pubrelForAnUnknownIdIsAnsweredWithPubcomp0x92InMqtt5() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.connect("c5", true, 0, 5);
            c.ack(PUBREL, 99);
            RawClient.Packet comp = c.expect(PUBCOMP);
            assertEquals(99, comp.packetId());
            assertEquals(0x92, comp.body()[2] & 0xFF);
        }
    }

    @Test
    void resendsUnacknowledgedPublishWithDupAndSameIdAfterReconnect() throws Exception {
        int firstId;
        try (RawClient sub = subscriber("kept", "r/t", false, 4); RawClient pub = new RawClient(node.port())) {
            pub.connect("pub", true, 0, 4);
            pub.publish("r/t", 2, 1, false, "m", 4);
            pub.expect(PUBREC);
            RawClient.Packet first = sub.expect(PUBLISH);
            firstId = first.publishId();
            assertFalse(first.dup());
        }
        try (RawClient again = new RawClient(node.port())) {
            byte[] connack = again.connect("kept", false, 0, 4).body();
            assertEquals(1, connack[0], "session present");
            RawClient.Packet resent = again.expect(PUBLISH);
            assertEquals(firstId, resent.publishId());
            assertTrue(resent.dup());
            assertEquals("m", resent.payload311());
        }
    }

    @Test
    void resendsPubrelNotPublishAfterReconnect() throws Exception {
        int id;
        try (RawClient sub = subscriber("kept", "r/t", false, 4); RawClient pub = new RawClient(node.port())) {
            pub.connect("pub", true, 0, 4);
            pub.publish("r/t", 2, 1, false, "m", 4);
            pub.expect(PUBREC);
            id = sub.expect(PUBLISH).publishId();
            sub.ack(PUBREC, id);
            assertEquals(id, sub.expect(PUBREL).packetId());
            // disconnect before PUBCOMP
        }
        try (RawClient again = new RawClient(node.port())) {
            again.connect("kept", false, 0, 4);
            RawClient.Packet p = again.read();
            assertEquals(PUBREL, p.type(), "only PUBREL may follow PUBREC, never the PUBLISH again");
            assertEquals(id, p.packetId());
            again.ack(PUBCOMP, id);
            assertTrue(again.silentFor(Duration.ofMillis(300)));
        }
    }

    @Test
    void keptSessionsSurviveARestartWithTheirWindow() throws Exception {
        int id;
        try (RawClient sub = subscriber("kept", "r/t", false, 4); RawClient pub = new RawClient(node.port())) {
            pub.connect("pub", true, 0, 4);
            pub.publish("r/t", 2, 1, false, "before", 4);
            pub.expect(PUBREC);
            id = sub.expect(PUBLISH).publishId();
        }
        node.restart();
        try (RawClient again = new RawClient(node.port())) {
            assertEquals(1, again.connect("kept", false, 0, 4).body()[0], "session present after restart");
            RawClient.Packet resent = again.expect(PUBLISH);
            assertEquals(id, resent.publishId());
            assertTrue(resent.dup());
            assertEquals("before", resent.payload311());
        }
    }

    @Test
    void heldReceiptSurvivesARestart() throws Exception {
        try (RawClient sub = subscriber("sub-kept", "h/t", false, 4); RawClient pub = new RawClient(node.port())) {
            pub.connect("pub-kept", false, 0, 4);
            pub.publish("h/t", 2, 5, false, "once", 4);
            pub.expect(PUBREC);
            RawClient.Packet p = sub.expect(PUBLISH);
            sub.ack(PUBREC, p.publishId());
            sub.expect(PUBREL);
            sub.ack(PUBCOMP, p.publishId());
        }
        node.restart();
        try (RawClient sub = new RawClient(node.port()); RawClient pub = new RawClient(node.port())) {
            sub.connect("sub-kept", false, 0, 4);
            pub.connect("pub-kept", false, 0, 4);
            // as a publisher that lost the PUBREC in a crash would, it sends the PUBLISH again with DUP
            pub.publish("h/t", 2, 5, true, "once", 4);
            assertEquals(5, pub.expect(PUBREC).packetId());
            pub.ack(PUBREL, 5);
            assertEquals(5, pub.expect(PUBCOMP).packetId());
            // a PUBREL may come again (the stop may have beaten the subscriber's PUBCOMP); a PUBLISH must not
            for (RawClient.Packet p = sub.readWithin(Duration.ofMillis(500)); p != null; p = sub.readWithin(Duration.ofMillis(500))) {
                assertNotEquals(PUBLISH, p.type(), "the held message must not be delivered twice");
                if (p.type() == PUBREL) {
                    sub.ack(PUBCOMP, p.packetId());
                }
            }
        }
    }

    @Test
    void emptyClientIdWithAKeptSessionIsRefusedIn311() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            RawClient.Packet ack = c.connect("", false, 0, 4);
            assertEquals(CONNACK, ack.type());
            assertEquals(2, ack.body()[1], "identifier rejected");
        }
    }

    @Test
    void emptyClientIdWithACleanSessionIsAccepted() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            assertEquals(0, c.connect("", true, 0, 4).body()[1]);
        }
    }

    @Test
    void sameClientIdTakesTheSessionOverClosingTheOldConnectionWith0x8E() throws Exception {
        try (RawClient first = new RawClient(node.port()); RawClient second = new RawClient(node.port())) {
            first.connect("dup-id", true, 0, 5);
            assertEquals(0, second.connect("dup-id", true, 0, 5).body()[1]);
            RawClient.Packet disconnect = first.expect(RawClient.DISCONNECT);
            assertEquals(0x8E, disconnect.body()[0] & 0xFF);
            assertTrue(first.closedWithin(Duration.ofSeconds(5)));
        }
    }

    @Test
    void keepAliveClosesASilentConnectionAndPublishesItsWill() throws Exception {
        try (RawClient watcher = subscriber("watcher", "wills/#", true, 4); RawClient silent = new RawClient(node.port())) {
            silent.connectWithWill("silent", 1, "wills/silent", "gone");
            assertTrue(silent.closedWithin(Duration.ofSeconds(5)), "closed after 1.5 x keep-alive");
            RawClient.Packet will = watcher.expect(PUBLISH);
            assertEquals("wills/silent", will.topic());
        }
    }

    @Test
    void willIsPublishedOnAbnormalCloseButNotOnDisconnect() throws Exception {
        try (RawClient watcher = subscriber("watcher", "wills/#", true, 4)) {
            try (RawClient polite = new RawClient(node.port())) {
                polite.connectWithWill("polite", 0, "wills/polite", "bye");
                polite.disconnect();
            }
            try (RawClient rude = new RawClient(node.port())) {
                rude.connectWithWill("rude", 0, "wills/rude", "crashed");
            }
            RawClient.Packet will = watcher.expect(PUBLISH);
            assertEquals("wills/rude", will.topic());
            assertTrue(watcher.silentFor(Duration.ofMillis(300)));
        }
    }

    @Test
    void wildcardInPublishTopicClosesOnlyThatConnection() throws Exception {
        try (RawClient other = subscriber("other", "ok", true, 4); RawClient bad = new RawClient(node.port())) {
            bad.connect("bad", true, 0, 4);
            bad.publish("a/+/b", 1, 1, false, "x", 4);
            assertTrue(bad.closedWithin(Duration.ofSeconds(5)));
            try (RawClient pub = new RawClient(node.port())) {
                pub.connect("pub", true, 0, 4);
                pub.publish("ok", 1, 1, false, "still", 4);
                assertEquals("ok", other.expect(PUBLISH).topic());
            }
        }
    }
}
