package io.oncemq.broker;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PUBLISH at QoS 0, 1 and 2 both ways with real clients: HiveMQ client at 5.0, Paho at 3.1.1. */
class QosFlowTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void deliversAtEachQosWithMqtt5(int qos) throws Exception {
        Mqtt5BlockingClient sub = node.v5Client("sub");
        Mqtt5BlockingClient pub = node.v5Client("pub");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("sensors/+/temp").qos(MqttQos.fromCode(qos)).send();
            pub.publishWith().topic("sensors/kitchen/temp").qos(MqttQos.fromCode(qos)).payload("21.5".getBytes()).send();
            Mqtt5Publish got = in.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("sensors/kitchen/temp", got.getTopic().toString());
            assertEquals("21.5", new String(got.getPayloadAsBytes(), StandardCharsets.UTF_8));
            assertEquals(qos, got.getQos().getCode());
            assertFalse(got.isRetain());
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void grantsTheSubscriptionQosAndDowngradesDelivery() throws Exception {
        Mqtt5BlockingClient sub = node.v5Client("sub");
        Mqtt5BlockingClient pub = node.v5Client("pub");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            var suback = sub.subscribeWith().topicFilter("a/#").qos(MqttQos.AT_LEAST_ONCE).send();
            assertEquals(1, suback.getReasonCodes().get(0).getCode());
            pub.publishWith().topic("a/b").qos(MqttQos.EXACTLY_ONCE).payload("x".getBytes()).send();
            assertEquals(MqttQos.AT_LEAST_ONCE, in.receive(10, TimeUnit.SECONDS).orElseThrow().getQos());
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void overlappingSubscriptionsDeliverOneCopyAtTheHighestQos() throws Exception {
        Mqtt5BlockingClient sub = node.v5Client("sub");
        Mqtt5BlockingClient pub = node.v5Client("pub");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("a/#").qos(MqttQos.AT_MOST_ONCE).send();
            sub.subscribeWith().topicFilter("a/+").qos(MqttQos.EXACTLY_ONCE).send();
            pub.publishWith().topic("a/b").qos(MqttQos.EXACTLY_ONCE).payload("1".getBytes()).send();
            pub.publishWith().topic("a/b").qos(MqttQos.EXACTLY_ONCE).payload("2".getBytes()).send();
            Mqtt5Publish first = in.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals(MqttQos.EXACTLY_ONCE, first.getQos());
            assertEquals("1", new String(first.getPayloadAsBytes()));
            assertEquals("2", new String(in.receive(10, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes()));
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void wildcardsAtTheFirstLevelDoNotMatchDollarTopics() throws Exception {
        Mqtt5BlockingClient sub = node.v5Client("sub");
        Mqtt5BlockingClient pub = node.v5Client("pub");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("#").qos(MqttQos.AT_LEAST_ONCE).send();
            sub.subscribeWith().topicFilter("+/x").qos(MqttQos.AT_LEAST_ONCE).send();
            pub.publishWith().topic("$internal/x").qos(MqttQos.AT_LEAST_ONCE).payload("hidden".getBytes()).send();
            pub.publishWith().topic("visible/x").qos(MqttQos.AT_LEAST_ONCE).payload("shown".getBytes()).send();
            Mqtt5Publish got = in.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("visible/x", got.getTopic().toString());
            assertEquals(Optional.empty(), in.receive(300, TimeUnit.MILLISECONDS));
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void unsubscribeStopsDelivery() throws Exception {
        Mqtt5BlockingClient sub = node.v5Client("sub");
        Mqtt5BlockingClient pub = node.v5Client("pub");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("t").qos(MqttQos.AT_LEAST_ONCE).send();
            var unsuback = sub.unsubscribeWith().topicFilter("t").send();
            assertEquals(0, unsuback.getReasonCodes().get(0).getCode());
            sub.subscribeWith().topicFilter("marker").qos(MqttQos.AT_LEAST_ONCE).send();
            pub.publishWith().topic("t").qos(MqttQos.AT_LEAST_ONCE).payload("gone".getBytes()).send();
            pub.publishWith().topic("marker").qos(MqttQos.AT_LEAST_ONCE).payload("m".getBytes()).send();
            assertEquals("marker", in.receive(10, TimeUnit.SECONDS).orElseThrow().getTopic().toString());
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void deliversWithPaho311(int qos) throws Exception {
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        MqttClient sub = paho("paho-sub", true);
        MqttClient pub = paho("paho-pub", true);
        try {
            sub.subscribe("paho/t", qos, (topic, m) -> got.add(topic + ":" + new String(m.getPayload()) + ":" + m.getQos()));
            pub.publish("paho/t", "hello".getBytes(), qos, false);
            assertEquals("paho/t:hello:" + qos, got.poll(10, TimeUnit.SECONDS));
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void keptSessionQueuesWhileOfflineWithPaho311() throws Exception {
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        MqttClient sub = paho("kept", false);
        sub.subscribe("q/#", 2);
        sub.disconnect();
        MqttClient pub = paho("pub", true);
        for (int i = 0; i < 20; i++) {
            pub.publish("q/x", ("m" + i).getBytes(), 2, false);
        }
        pub.disconnect();
        sub.setCallback(new CollectingCallback(got));
        MqttConnectOptions o = options(false);
        sub.connect(o);
        for (int i = 0; i < 20; i++) {
            assertEquals("m" + i, got.poll(10, TimeUnit.SECONDS));
        }
        assertNull(got.poll(300, TimeUnit.MILLISECONDS));
        sub.disconnect();
    }

    @Test
    void cleanSessionDiscardsTheKeptOne() throws Exception {
        MqttClient sub = paho("kept2", false);
        sub.subscribe("c/#", 1);
        sub.disconnect();
        MqttClient fresh = new MqttClient("tcp://127.0.0.1:" + node.port(), "kept2", new MemoryPersistence());
        assertFalse(fresh.connectWithResult(options(true)).getSessionPresent());
        fresh.disconnect();
        MqttClient again = new MqttClient("tcp://127.0.0.1:" + node.port(), "kept2", new MemoryPersistence());
        assertFalse(again.connectWithResult(options(false)).getSessionPresent());
        again.disconnect();
        MqttClient third = new MqttClient("tcp://127.0.0.1:" + node.port(), "kept2", new MemoryPersistence());
        assertTrue(third.connectWithResult(options(false)).getSessionPresent());
        third.disconnect();
    }

    private MqttClient paho(String id, boolean clean) throws Exception {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + node.port(), id, new MemoryPersistence());
        c.connect(options(clean));
        return c;
    }

    private static MqttConnectOptions options(boolean clean) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(clean);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setAutomaticReconnect(false);
        // Paho completes a synchronous publish before it lowers its in-flight count, so back-to-back
        // publishes can see the default window of 10 as full ("Too many publishes in progress").
        o.setMaxInflight(100);
        return o;
    }

    /** Collects payloads in arrival order. */
    record CollectingCallback(BlockingQueue<String> got) implements org.eclipse.paho.client.mqttv3.MqttCallback {
        @Override
        public void connectionLost(Throwable cause) {
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            got.add(new String(message.getPayload()));
        }

        @Override
        public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
        }
    }
}
