package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 5.0 §3.14 DISCONNECT from the server, and Reason Strings as Request Problem Information allows (§3.1.2.11.7). */
class Spec3_14DisconnectTest {

    private static final int REASON_STRING = 0x1F;
    /** Request Problem Information 0. */
    private static final byte[] NO_PROBLEM_INFORMATION = {0x17, 0x00};
    /** Maximum Packet Size 16: room for a bare DISCONNECT, not for a Reason String. */
    private static final byte[] MAXIMUM_PACKET_SIZE_16 = {0x27, 0x00, 0x00, 0x00, 0x10};

    @RegisterExtension
    final TestNode node = new TestNode();

    private RawClient.Packet disconnectAfterWildcardPublish(byte[] connectProperties) throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            assertEquals(0, c.connect5("wild", connectProperties).body()[1]);
            c.publish("a/+", 0, 0, false, "x", 5);
            return c.expect(RawClient.DISCONNECT);
        }
    }

    @Test
    void serverDisconnectCarriesAReasonString_MQTT_3_14_2_1() throws Exception {
        RawClient.Packet d = disconnectAfterWildcardPublish(new byte[0]);
        assertEquals(0x90, d.body()[0] & 0xFF);
        assertTrue(d.properties(1).get(REASON_STRING) instanceof String why && why.contains("a/+"));
    }

    @Test
    void reasonStringIsLeftOutWhereItWouldExceedTheClientsMaximumPacketSize_MQTT_3_14_2_3() throws Exception {
        RawClient.Packet d = disconnectAfterWildcardPublish(MAXIMUM_PACKET_SIZE_16);
        assertEquals(0x90, d.body()[0] & 0xFF);
        assertFalse(d.properties(1).containsKey(REASON_STRING));
    }

    @Test
    void reasonStringOnAnAcknowledgementOnlyWhenTheClientAsksForProblemInformation_MQTT_3_1_2_29() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.connect5("asks", new byte[0]);
            c.ack(RawClient.PUBREL, 9);
            RawClient.Packet pubcomp = c.expect(RawClient.PUBCOMP);
            assertEquals(0x92, pubcomp.body()[2] & 0xFF);
            assertTrue(pubcomp.properties(3).containsKey(REASON_STRING));
        }
        try (RawClient c = new RawClient(node.port())) {
            c.connect5("quiet", NO_PROBLEM_INFORMATION);
            c.ack(RawClient.PUBREL, 9);
            RawClient.Packet pubcomp = c.expect(RawClient.PUBCOMP);
            assertEquals(0x92, pubcomp.body()[2] & 0xFF);
            assertFalse(pubcomp.properties(3).containsKey(REASON_STRING));
        }
    }
}
