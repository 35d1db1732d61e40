package io.oncemq.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;

import static io.oncemq.broker.RawClient.bytes;
import static io.oncemq.broker.RawClient.concat;
import static io.oncemq.broker.RawClient.field;
import static io.oncemq.broker.RawClient.packet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** MQTT 5.0 §1.5 Data representation: UTF-8 strings, Variable Byte Integers and String Pairs as the server reads them. */
class Spec1_5DataRepresentationTest {

    /** C3 28: a lead byte followed by a byte that cannot continue it. */
    private static final byte[] BAD_UTF8 = bytes(0xC3, 0x28);
    /** ED A0 80: U+D800, a surrogate, which UTF-8 must not encode. */
    private static final byte[] SURROGATE = bytes(0xED, 0xA0, 0x80);

    @RegisterExtension
    final TestNode node = new TestNode();

    /** Connects at 5.0, writes the bytes, and asserts DISCONNECT with the reason code and then the close. */
    private void assertDisconnectedWith(byte[] afterConnect, int reason) throws Exception {
        RawClient.assertDisconnectedAfter5(node.port(), afterConnect, reason);
    }

    @Test
    void publishTopicThatIsNotUtf8IsMalformed_MQTT_1_5_4_1_and_3_3_2_1() throws Exception {
        assertDisconnectedWith(packet(0x30, field(concat("t/".getBytes(), BAD_UTF8)), bytes(0), "x".getBytes()), 0x81);
    }

    @Test
    void publishTopicEncodingASurrogateIsMalformed_MQTT_1_5_4_1() throws Exception {
        assertDisconnectedWith(packet(0x30, field(concat("t/".getBytes(), SURROGATE)), bytes(0), "x".getBytes()), 0x81);
    }

    @Test
    void byteOrderMarkInTopicAndUserPropertyReachesTheSubscriberUnstripped_MQTT_1_5_4_3() throws Exception {
        byte[] topic = "bom/\uFEFFx".getBytes(StandardCharsets.UTF_8);
        byte[] userProperty = concat(bytes(0x26), field("\uFEFFk"), field("v\uFEFF"));
        try (RawClient sub = new RawClient(node.port()); RawClient pub = new RawClient(node.port())) {
            sub.connect5("sub", new byte[0]);
            sub.subscribe(1, "bom/#", 0, 5);
            sub.expect(RawClient.SUBACK);
            pub.connect5("pub", new byte[0]);
            pub.write(packet(0x30, field(topic), bytes(userProperty.length), userProperty, "p".getBytes()));
            RawClient.Packet got = sub.expect(RawClient.PUBLISH);
            assertArrayEquals(topic, java.util.Arrays.copyOfRange(got.body(), 2, 2 + topic.length), "topic bytes EF BB BF kept");
            assertEquals("\uFEFFk=v\uFEFF", got.properties(2 + topic.length).get(0x26));
        }
    }

    @Test
    void remainingLengthInMoreBytesThanNeededIsMalformed_MQTT_1_5_5_1() throws Exception {
        // remaining length 6 written as 0x86 0x00 instead of 0x06
        assertDisconnectedWith(concat(bytes(0x30, 0x86, 0x00), field("t/a"), bytes(0), "x".getBytes()), 0x81);
    }

    @Test
    void userPropertyValueThatIsNotUtf8IsMalformed_MQTT_1_5_7_1() throws Exception {
        byte[] userProperty = concat(bytes(0x26), field("k"), field(BAD_UTF8));
        assertDisconnectedWith(packet(0x30, field("t/a"), bytes(userProperty.length), userProperty, "x".getBytes()), 0x81);
    }

    @Test
    void userPropertyNameThatIsNotUtf8IsMalformed_MQTT_1_5_7_1() throws Exception {
        byte[] userProperty = concat(bytes(0x26), field(BAD_UTF8), field("v"));
        assertDisconnectedWith(packet(0x30, field("t/a"), bytes(userProperty.length), userProperty, "x".getBytes()), 0x81);
    }
}
