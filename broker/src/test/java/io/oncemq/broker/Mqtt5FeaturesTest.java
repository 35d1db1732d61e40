package io.oncemq.broker;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.oncemq.broker.RawClient.PUBLISH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT 5.0 features, each test naming the normative statement it checks. */
class Mqtt5FeaturesTest {

    @RegisterExtension
    final TestNode node = new TestNode(Map.of("receive-maximum", "10", "max-connections", "8"));

    private Mqtt5BlockingClient kept(String id) {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1").serverPort(node.port()).buildBlocking();
        c.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
        return c;
    }

    @Test
    void forwardsPublishPropertiesUnchangedAndInOrder_MQTT_3_3_2_17() throws Exception {
        Mqtt5BlockingClient sub = node.v5Client("sub");
        Mqtt5BlockingClient pub = node.v5Client("pub");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("rr/#").qos(MqttQos.EXACTLY_ONCE).send();
            Mqtt5UserProperties user = Mqtt5UserProperties.builder().add("b", "2").add("a", "1").add("b", "3").build();
            pub.publishWith().topic("rr/req").qos(MqttQos.EXACTLY_ONCE).payload("{}".getBytes())
                    .contentType("application/json").responseTopic("rr/resp").correlationData("corr-7".getBytes())
                    .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8).userProperties(user).send();
            Mqtt5Publish got = in.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals(user, got.getUserProperties());
            assertEquals("application/json", got.getContentType().orElseThrow().toString());
            assertEquals("rr/resp", got.getResponseTopic().orElseThrow().toString());
            assertEquals(ByteBuffer.wrap("corr-7".getBytes()), got.getCorrelationData().orElseThrow());
            assertEquals(Optional.of(Mqtt5PayloadFormatIndicator.UTF_8), got.getPayloadFormatIndicator());
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void expiredMessagesAreNeverDeliveredAndOthersCarryTheTimeLeft_MQTT_3_3_2_5_and_6() throws Exception {
        Mqtt5BlockingClient sub = kept("away");
        sub.subscribeWith().topicFilter("exp/#").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        Mqtt5BlockingClient pub = node.v5Client("pub");
        pub.publishWith().topic("exp/short").qos(MqttQos.AT_LEAST_ONCE).messageExpiryInterval(1).payload("gone".getBytes()).send();
        pub.publishWith().topic("exp/long").qos(MqttQos.AT_LEAST_ONCE).messageExpiryInterval(600).payload("kept".getBytes()).send();
        pub.disconnect();
        long published = System.currentTimeMillis();
        Await.until(() -> System.currentTimeMillis() > published + 1500, Duration.ofSeconds(5), "1.5 s passed");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
            Mqtt5Publish got = in.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("exp/long", got.getTopic().toString());
            long left = got.getMessageExpiryInterval().orElseThrow();
            assertTrue(left <= 599 && left > 590, "expiry counted down: " + left);
            assertEquals(Optional.empty(), in.receive(300, TimeUnit.MILLISECONDS));
        } finally {
            sub.disconnect();
        }
    }

    @Test
    void noLocalSuppressesTheClientsOwnMessages_MQTT_3_8_3_3() throws Exception {
        Mqtt5BlockingClient a = node.v5Client("a");
        Mqtt5BlockingClient b = node.v5Client("b");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = a.publishes(MqttGlobalPublishFilter.ALL)) {
            a.subscribeWith().topicFilter("chat").qos(MqttQos.AT_LEAST_ONCE).noLocal(true).send();
            a.publishWith().topic("chat").qos(MqttQos.AT_LEAST_ONCE).payload("mine".getBytes()).send();
            b.publishWith().topic("chat").qos(MqttQos.AT_LEAST_ONCE).payload("theirs".getBytes()).send();
            assertEquals("theirs", new String(in.receive(10, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes()));
            assertEquals(Optional.empty(), in.receive(300, TimeUnit.MILLISECONDS));
        } finally {
            a.disconnect();
            b.disconnect();
        }
    }

    @Test
    void retainAsPublishedKeepsTheRetainFlag_MQTT_3_3_1_12_and_13() throws Exception {
        Mqtt5BlockingClient sub = node.v5Client("sub");
        Mqtt5BlockingClient pub = node.v5Client("pub");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("rap/kept").qos(MqttQos.AT_LEAST_ONCE).retainAsPublished(true)
                    .retainHandling(Mqtt5RetainHandling.DO_NOT_SEND).send();
            sub.subscribeWith().topicFilter("rap/cleared").qos(MqttQos.AT_LEAST_ONCE)
                    .retainHandling(Mqtt5RetainHandling.DO_NOT_SEND).send();
            pub.publishWith().topic("rap/kept").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload("1".getBytes()).send();
            pub.publishWith().topic("rap/cleared").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload("2".getBytes()).send();
            assertTrue(in.receive(10, TimeUnit.SECONDS).orElseThrow().isRetain());
            assertFalse(in.receive(10, TimeUnit.SECONDS).orElseThrow().isRetain());
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void sendsTheSubscriptionIdentifierWithEachMatchingPublish_MQTT_3_3_4_3() throws Exception {
        try (RawClient sub = new RawClient(node.port()); RawClient pub = new RawClient(node.port())) {
            sub.connect("sid", true, 0, 5);
            sub.subscribe5(1, "sid/+", 1, 42);
            sub.expect(RawClient.SUBACK);
            pub.connect("pub", true, 0, 5);
            pub.publish("sid/x", 1, 1, false, "m", 5);
            RawClient.Packet p = sub.expect(PUBLISH);
            assertTrue(p.publishProperties5().stream().anyMatch(kv -> kv[0] == 0x0B && kv[1] == 42),
                    "subscription identifier 42 in the PUBLISH");
        }
    }

    @Test
    void invalidUtf8WithPayloadFormatIndicatorIsRefusedWith0x99() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.connect("pfi", true, 0, 5);
            c.publish5("pfi/t", 1, 3, new byte[]{0x01, 0x01}, new byte[]{(byte) 0xC3, 0x28});
            RawClient.Packet ack = c.expect(RawClient.PUBACK);
            assertEquals(3, ack.packetId());
            assertEquals(0x99, ack.body()[2] & 0xFF);
        }
    }

    @Test
    void moreUnacknowledgedPublishesThanReceiveMaximumDisconnectWith0x93_MQTT_3_3_4_7() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            RawClient.Packet connack = c.connect("greedy", true, 0, 5);
            assertEquals(0, connack.body()[1]);
            for (int id = 1; id <= 11; id++) {
                c.publish("rm/t", 2, id, false, "x", 5); // never PUBREL: each stays unacknowledged
            }
            RawClient.Packet d = c.expect(RawClient.DISCONNECT);
            assertEquals(0x93, d.body()[0] & 0xFF);
            assertTrue(c.closedWithin(Duration.ofSeconds(5)));
        }
    }

    @Test
    void neverSendsAPacketAboveTheClientsMaximumPacketSize_MQTT_3_1_2_24() throws Exception {
        Mqtt5BlockingClient small = Mqtt5Client.builder().identifier("small").serverHost("127.0.0.1").serverPort(node.port()).buildBlocking();
        small.connectWith().restrictions().maximumPacketSize(200).applyRestrictions().send();
        Mqtt5BlockingClient pub = node.v5Client("pub");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = small.publishes(MqttGlobalPublishFilter.ALL)) {
            small.subscribeWith().topicFilter("mps/#").qos(MqttQos.AT_LEAST_ONCE).send();
            pub.publishWith().topic("mps/big").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[1000]).send();
            pub.publishWith().topic("mps/small").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[10]).send();
            assertEquals("mps/small", in.receive(10, TimeUnit.SECONDS).orElseThrow().getTopic().toString());
        } finally {
            small.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void unknownAuthenticationMethodIsRefusedWith0x8C_MQTT_4_12_0_1() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            byte[] method = "SCRAM-SHA-1".getBytes(StandardCharsets.UTF_8);
            byte[] props = new byte[3 + method.length];
            props[0] = 0x15;
            props[2] = (byte) method.length;
            System.arraycopy(method, 0, props, 3, method.length);
            RawClient.Packet connack = c.connect5("auth", props);
            assertEquals(0x8C, connack.body()[1] & 0xFF);
            assertTrue(c.closedWithin(Duration.ofSeconds(5)), "refused, then closed");
        }
    }

    @Test
    void topicAliasAboveTheMaximumIsAProtocolError0x94_MQTT_3_3_2_9() throws Exception {
        try (RawClient c = new RawClient(node.port())) {
            c.connect("alias", true, 0, 5);
            c.publish5("al/t", 0, 0, new byte[]{0x23, 0x00, 0x0B}, "x".getBytes()); // alias 11 > maximum 10
            assertEquals(0x94, c.expect(RawClient.DISCONNECT).body()[0] & 0xFF);
        }
    }

    @Test
    void givesResponseInformationWhenTheClientRequestsIt_MQTT_3_1_2_28() throws Exception {
        Mqtt5BlockingClient asks = Mqtt5Client.builder().identifier("asker").serverHost("127.0.0.1").serverPort(node.port()).buildBlocking();
        var ack = asks.connect();
        assertEquals(Optional.empty(), ack.getResponseInformation(), "not sent unless requested");
        asks.disconnect();
        try (RawClient c = new RawClient(node.port())) {
            RawClient.Packet connack = c.connect5("asker", new byte[]{0x19, 0x01}); // Request Response Information = 1
            String body = new String(connack.body(), StandardCharsets.UTF_8);
            assertTrue(body.contains("$response/asker/"), "Response Information in CONNACK");
        }
    }

    @Test
    void connectsBeyondMaxConnectionsAreRefusedWithQuotaExceeded() throws Exception {
        List<RawClient> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                RawClient c = new RawClient(node.port());
                open.add(c);
                assertEquals(0, c.connect("c" + i, true, 0, 5).body()[1]);
            }
            RawClient extra = new RawClient(node.port());
            open.add(extra);
            assertEquals(0x97, extra.connect("extra", true, 0, 5).body()[1] & 0xFF);
        } finally {
            for (RawClient c : open) {
                c.close();
            }
        }
    }
}
