package io.oncemq.broker;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;

import static io.oncemq.broker.RawClient.PUBLISH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bounded memory and session lifetime: queue bound per kept session, MQTT 5 session expiry. */
class SessionLimitsTest {

    @RegisterExtension
    final TestNode node = new TestNode(Map.of("max-queued", "5"));

    @Test
    void aFullQueueDropsNewMessagesAndCountsThem() throws Exception {
        try (RawClient sub = new RawClient(node.port())) {
            sub.connectAndSubscribe("slow", false, "q/t", 1);
        }
        Mqtt5BlockingClient pub = node.v5Client("pub");
        for (int i = 0; i < 8; i++) {
            pub.publishWith().topic("q/t").qos(MqttQos.AT_LEAST_ONCE).payload(("m" + i).getBytes()).send();
        }
        pub.disconnect();
        assertEquals(3, node.node().postOffice().droppedCount());
        try (RawClient sub = new RawClient(node.port())) {
            sub.connect("slow", false, 0, 4);
            for (int i = 0; i < 5; i++) {
                RawClient.Packet p = sub.expect(PUBLISH);
                assertEquals("m" + i, p.payload311(), "the oldest are kept, the newest dropped");
                sub.ack(RawClient.PUBACK, p.publishId());
            }
            assertTrue(sub.silentFor(Duration.ofMillis(300)));
        }
    }

    @Test
    void aSessionExpiresAfterItsExpiryInterval() throws Exception {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier("short").serverHost("127.0.0.1").serverPort(node.port()).buildBlocking();
        assertFalse(c.connectWith().cleanStart(false).sessionExpiryInterval(1).send().isSessionPresent());
        c.subscribeWith().topicFilter("x").qos(MqttQos.AT_LEAST_ONCE).send();
        c.disconnect();
        Await.until(() -> node.node().session("short") == null, Duration.ofSeconds(10), "session gone after its 1 s expiry");
        assertFalse(c.connectWith().cleanStart(false).sessionExpiryInterval(60).send().isSessionPresent());
        c.disconnect();
    }

    @Test
    void aKeptSessionIsPresentAgainBeforeItExpires() {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier("kept5").serverHost("127.0.0.1").serverPort(node.port()).buildBlocking();
        c.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
        c.disconnect();
        assertTrue(c.connectWith().cleanStart(false).sessionExpiryInterval(300).send().isSessionPresent());
        c.disconnect();
    }
}
