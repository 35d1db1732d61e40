package io.oncemq.broker;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;

import static io.oncemq.broker.RawClient.PUBLISH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Broken and hostile input closes only the offending connection (with the 5.0 reason code where the
 * version has one); a bystander's kept session keeps receiving throughout.
 */
class HostileInputTest {

    @RegisterExtension
    final TestNode node = new TestNode(Map.of("max-packet-size", "65536"));
    private RawClient bystander;
    private int sent;

    @BeforeEach
    void bystander() throws Exception {
        bystander = new RawClient(node.port());
        bystander.connectAndSubscribe("bystander", false, "ok/#", 1);
    }

    @AfterEach
    void bystanderStillServed() throws Exception {
        try (RawClient pub = new RawClient(node.port())) {
            pub.connect("pub", true, 0, 4);
            pub.publish("ok/after", 1, 1, false, "still here " + (++sent), 4);
            assertEquals("ok/after", bystander.expect(PUBLISH).topic());
        }
        bystander.close();
    }

    private void assertClosedWith5(byte[] afterConnect, int reason) throws Exception {
        try (RawClient c = RawClient.connected5(node.port(), "bad")) {
            c.assertDisconnectedAfter(afterConnect, reason);
        }
    }

    private void assertClosed(byte[] bytes, boolean connectFirst) throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            if (connectFirst) {
                c.connect("bad311", true, 0, 4);
            }
            c.write(bytes);
            assertTrue(c.closedWithin(Duration.ofSeconds(5)));
        }
    }

    @Test
    void qos3IsMalformed_MQTT_3_3_1_4() throws Exception {
        assertClosedWith5(new byte[]{0x36, 0x06, 0x00, 0x01, 0x61, 0x00, 0x01, 0x00}, 0x81);
    }

    @Test
    void packetIdZeroOnQos1IsMalformed_MQTT_2_2_1_3() throws Exception {
        assertClosedWith5(new byte[]{0x32, 0x06, 0x00, 0x01, 0x61, 0x00, 0x00, 0x00}, 0x81);
    }

    @Test
    void remainingLengthOverFourBytesIsMalformed() throws Exception {
        assertClosedWith5(new byte[]{0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F}, 0x81);
    }

    @Test
    void packetAboveMaximumPacketSizeIsRefusedWith0x95_MQTT_3_2_2_15() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.connect("big", true, 0, 5);
            c.publish("ok/big", 0, 0, false, "x".repeat(100_000), 5);
            assertEquals(0x95, c.expect(RawClient.DISCONNECT).body()[0] & 0xFF);
        }
    }

    @Test
    void wildcardInPublishTopicIsRefusedWith0x90_MQTT_3_3_2_2() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.connect("wild", true, 0, 5);
            c.publish("ok/#", 1, 1, false, "x", 5);
            assertEquals(0x90, c.expect(RawClient.DISCONNECT).body()[0] & 0xFF);
        }
    }

    @Test
    void nullCharacterInTopicIsMalformed_MQTT_1_5_4_2() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.connect("nul", true, 0, 5);
            c.publish("ok/a\u0000b", 1, 1, false, "x", 5);
            assertEquals(0x81, c.expect(RawClient.DISCONNECT).body()[0] & 0xFF);
        }
    }

    @Test
    void invalidUtf8InTopicClosesTheConnection_MQTT_1_5_4_1() throws Exception {
        assertClosed(new byte[]{0x30, 0x05, 0x00, 0x02, (byte) 0xC3, 0x28, 0x78}, true);
    }

    @Test
    void packetBeforeConnectClosesTheConnection_MQTT_3_1_0_1() throws Exception {
        assertClosed(new byte[]{0x30, 0x03, 0x00, 0x01, 0x61}, false);
    }

    @Test
    void garbageInsteadOfConnectClosesTheConnection() throws Exception {
        assertClosed(new byte[]{(byte) 0xF0, 0x00, 0x13, 0x37}, false);
    }

    @Test
    void secondConnectIsAProtocolError_MQTT_3_1_0_2() throws Exception {
        assertClosed(new byte[]{0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}, true);
        assertClosedWith5(new byte[]{0x10, 0x0d, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00}, 0x82);
    }

    @Test
    void halfWrittenPacketThenSilenceIsClosedByKeepAlive() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.connect("half", true, 1, 4);
            c.write(new byte[]{0x30, 0x10, 0x00, 0x01}); // promises 16 bytes, sends 2
            assertTrue(c.closedWithin(Duration.ofSeconds(5)));
        }
    }

    @Test
    void socketThatNeverSendsConnectIsClosedAfterTheConnectTimeout() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            assertTrue(c.closedWithin(Duration.ofSeconds(15)), "closed after connect-timeout (10 s)");
        }
    }
}
