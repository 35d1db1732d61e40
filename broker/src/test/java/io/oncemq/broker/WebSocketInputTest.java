package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Arrays;

import static io.oncemq.broker.Raw311Packets.connect;
import static io.oncemq.broker.Raw311Packets.str;
import static io.oncemq.broker.Raw311Packets.subscribe;
import static io.oncemq.broker.Raw311Packets.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT over WebSocket at the frame level (JDK WebSocket client): how packets may be cut into frames, and bad input. */
class WebSocketInputTest {

    private static final byte[] CONNACK = {0x20, 0x02, 0x00, 0x00};
    private static final byte[] SUBACK = {(byte) 0x90, 0x03, 0x00, 0x01, 0x01};

    @RegisterExtension
    final SecuredNodes nodes = new SecuredNodes();

    private Node node() {
        return nodes.start("ws-port", "0", "max-packet-size", "1024");
    }

    private static byte[] connectPacket(String clientId) {
        return connect(0x02, str(clientId));
    }

    @Test
    void theServerSelectsTheMqttSubprotocol_MQTT_6_0_0_4() throws Exception {
        Node node = node();
        try (RawWebSocket ws = new RawWebSocket(node.port(Listener.WS), Listener.WEBSOCKET_PATH)) {
            assertEquals("mqtt", ws.subprotocol());
        }
    }

    @Test
    void theServerKeepAliveHoldsOverWebSocket() throws Exception {
        Node node = nodes.start("ws-port", "0", "max-keep-alive", "1");
        try (RawWebSocket ws = new RawWebSocket(node.port(Listener.WS), Listener.WEBSOCKET_PATH)) {
            // 5.0 CONNECT asking for no keep-alive: told 1 s as Server Keep Alive, closed after 1.5 s of silence
            ws.send(connect("MQTT", 5, 0x02, u8(0), str("silent")), true);
            byte[] connack = ws.awaitBytes(2);
            assertEquals(0x20, connack[0] & 0xFF);
            long start = System.nanoTime();
            assertNotNull(ws.awaitClosed());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= 1000 && millis < 5000, "closed after " + millis + " ms of silence");
        }
    }

    @Test
    void aWebSocketSubscriberThatStopsReadingIsNoLongerDrained() throws Exception {
        Node node = node();
        try (RawWebSocket stalled = new RawWebSocket(node.port(Listener.WS), Listener.WEBSOCKET_PATH, false);
             RawClient pub = new RawClient(node.port())) {
            stalled.send(connectPacket("stalled-ws"), true);
            stalled.awaitBytes(4);
            stalled.send(subscribe(0x82, 1, "flood/#", 0), true);
            Await.until(() -> node.session("stalled-ws") != null && !node.session("stalled-ws").subscriptions().isEmpty(),
                    Duration.ofSeconds(10), "the WebSocket client subscribed");
            pub.connect("flooder", true, 0, 4);
            String payload = "x".repeat(1000);
            // QoS 0 for a client whose socket is above its high-water mark is dropped (ClientSocket), over WebSocket too
            for (int i = 0; i < 100_000 && node.session("stalled-ws").outlet().draining(); i++) {
                pub.publish("flood/t", 0, 0, false, payload, 4);
            }
            assertFalse(node.session("stalled-ws").outlet().draining(), "the stalled WebSocket subscriber's socket filled up");
        }
    }

    @Test
    void aPacketCutAcrossTwoMessagesIsReadWhole_MQTT_6_0_0_2() throws Exception {
        Node node = node();
        try (RawWebSocket ws = new RawWebSocket(node.port(Listener.WS), Listener.WEBSOCKET_PATH)) {
            byte[] c = connectPacket("cut-in-two");
            ws.send(Arrays.copyOfRange(c, 0, 5), true);
            ws.send(Arrays.copyOfRange(c, 5, c.length), true);
            assertArrayEquals(CONNACK, ws.awaitBytes(4));
        }
    }

    @Test
    void aPacketInTwoFramesOfOneMessageIsReadWhole_MQTT_6_0_0_2() throws Exception {
        Node node = node();
        try (RawWebSocket ws = new RawWebSocket(node.port(Listener.WS), Listener.WEBSOCKET_PATH)) {
            ws.send(connectPacket("fragmented"), true);
            assertArrayEquals(CONNACK, ws.awaitBytes(4));
            byte[] s = subscribe(0x82, 1, "a/b", 1);
            ws.send(Arrays.copyOfRange(s, 0, 4), false);
            ws.send(Arrays.copyOfRange(s, 4, 6), false);
            ws.send(Arrays.copyOfRange(s, 6, s.length), true); // two continuation frames
            assertArrayEquals(SUBACK, Arrays.copyOfRange(ws.awaitBytes(9), 4, 9));
        }
    }

    @Test
    void twoPacketsInOneFrameAreBothRead_MQTT_6_0_0_2() throws Exception {
        Node node = node();
        try (RawWebSocket ws = new RawWebSocket(node.port(Listener.WS), Listener.WEBSOCKET_PATH)) {
            ws.send(connectPacket("two-in-one"), true);
            assertArrayEquals(CONNACK, ws.awaitBytes(4));
            byte[] s = subscribe(0x82, 1, "a/b", 1);
            byte[] p = RawClient.packet(0xC0); // PINGREQ
            byte[] both = new byte[s.length + p.length];
            System.arraycopy(s, 0, both, 0, s.length);
            System.arraycopy(p, 0, both, s.length, p.length);
            ws.send(both, true);
            assertArrayEquals(new byte[]{(byte) 0x90, 0x03, 0x00, 0x01, 0x01, (byte) 0xD0, 0x00}, Arrays.copyOfRange(ws.awaitBytes(11), 4, 11));
        }
    }

    @Test
    void aMalformedPacketClosesTheConnectionAsOnTcp() throws Exception {
        Node node = node();
        try (RawWebSocket ws = new RawWebSocket(node.port(Listener.WS), Listener.WEBSOCKET_PATH)) {
            ws.send(connectPacket("malformed"), true);
            ws.awaitBytes(4);
            ws.send(subscribe(0x80, 1, "a/b", 1), true); // MQTT-3.8.1-1: reserved flags must be 0010
            assertNotNull(ws.awaitClosed());
        }
    }

    @Test
    void aTextFrameClosesTheConnection_MQTT_6_0_0_1() throws Exception {
        Node node = node();
        try (RawWebSocket ws = new RawWebSocket(node.port(Listener.WS), Listener.WEBSOCKET_PATH)) {
            ws.send(connectPacket("texter"), true);
            ws.awaitBytes(4);
            ws.sendText("MQTT-6.0.0-1: binary frames only");
            assertNotNull(ws.awaitClosed());
        }
    }

    @Test
    void aFrameLargerThanMaxPacketSizeClosesTheConnection() throws Exception {
        Node node = node();
        try (RawWebSocket ws = new RawWebSocket(node.port(Listener.WS), Listener.WEBSOCKET_PATH)) {
            ws.send(connectPacket("too-big"), true);
            ws.awaitBytes(4);
            ws.send(Raw311Packets.publish(0x30, "big", 0, new byte[2000]), true);
            assertNotNull(ws.awaitClosed());
        }
    }

    @Test
    void aMessageOfFramesLargerThanMaxPacketSizeClosesTheConnection() throws Exception {
        Node node = node();
        try (RawWebSocket ws = new RawWebSocket(node.port(Listener.WS), Listener.WEBSOCKET_PATH)) {
            ws.send(connectPacket("too-many-frames"), true);
            ws.awaitBytes(4);
            byte[] big = Raw311Packets.publish(0x30, "big", 0, new byte[2000]);
            ws.send(Arrays.copyOfRange(big, 0, 1000), false);
            ws.send(Arrays.copyOfRange(big, 1000, big.length), true);
            assertNotNull(ws.awaitClosed());
        }
    }
}
