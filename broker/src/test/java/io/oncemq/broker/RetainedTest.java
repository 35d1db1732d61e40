package io.oncemq.broker;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retained messages: set, replace, clear, delivered on subscribe with the retain flag, kept across restarts. */
class RetainedTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    private void retain(String topic, String payload) {
        Mqtt5BlockingClient pub = node.v5Client("pub");
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(payload.getBytes()).send();
        pub.disconnect();
    }

    private Optional<Mqtt5Publish> firstOnSubscribe(String filter) throws InterruptedException {
        Mqtt5BlockingClient sub = node.v5Client("sub");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter(filter).qos(MqttQos.EXACTLY_ONCE).send();
            return in.receive(2, TimeUnit.SECONDS);
        } finally {
            sub.disconnect();
        }
    }

    @Test
    void deliversTheRetainedMessageOnSubscribeWithTheRetainFlag() throws Exception {
        retain("status/door", "open");
        Mqtt5Publish got = firstOnSubscribe("status/+").orElseThrow();
        assertEquals("open", new String(got.getPayloadAsBytes()));
        assertTrue(got.isRetain());
    }

    @Test
    void replacesTheRetainedMessage() throws Exception {
        retain("status/door", "open");
        retain("status/door", "closed");
        assertEquals("closed", new String(firstOnSubscribe("status/door").orElseThrow().getPayloadAsBytes()));
    }

    @Test
    void clearsTheRetainedMessageWithAnEmptyPayload() throws Exception {
        retain("status/door", "open");
        retain("status/door", "");
        assertEquals(Optional.empty(), firstOnSubscribe("status/door"));
    }

    @Test
    void keepsRetainedMessagesAcrossARestart() throws Exception {
        retain("status/door", "open");
        retain("status/window", "shut");
        retain("status/window", "");
        node.restart();
        assertEquals("open", new String(firstOnSubscribe("status/#").orElseThrow().getPayloadAsBytes()));
        assertEquals(Optional.empty(), firstOnSubscribe("status/window"));
    }
}
