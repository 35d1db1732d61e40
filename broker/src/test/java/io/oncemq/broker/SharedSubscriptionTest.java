package io.oncemq.broker;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.oncemq.broker.RawClient.PUBLISH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shared subscriptions {@code $share/{group}/{filter}} for 5.0 and 3.1.1 clients (MQTT 5.0 §4.8.2). */
class SharedSubscriptionTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    @Test
    void eachMessageGoesToOneMemberOfTheGroup() throws Exception {
        Mqtt5BlockingClient a = node.v5Client("member-a");
        MqttClient b = new MqttClient("tcp://127.0.0.1:" + node.port(), "member-b-311", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        // Paho 1.2.5 matches a per-subscription listener against "$share/..." literally: use the client callback
        java.util.concurrent.BlockingQueue<String> toB = new java.util.concurrent.LinkedBlockingQueue<>();
        b.setCallback(new QosFlowTest.CollectingCallback(toB));
        b.connect(o);
        b.subscribe("$share/workers/jobs/#", 1);
        Mqtt5BlockingClient pub = node.v5Client("pub");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = a.publishes(MqttGlobalPublishFilter.ALL)) {
            a.subscribeWith().topicFilter("$share/workers/jobs/#").qos(MqttQos.AT_LEAST_ONCE).send();
            for (int i = 0; i < 20; i++) {
                pub.publishWith().topic("jobs/" + i).qos(MqttQos.AT_LEAST_ONCE).payload(("j" + i).getBytes()).send();
            }
            int toA = 0;
            while (in.receive(500, TimeUnit.MILLISECONDS).isPresent()) {
                toA++;
            }
            int a0 = toA;
            Await.until(() -> a0 + toB.size() == 20, Duration.ofSeconds(10), "20 messages shared out");
            assertTrue(toA > 0 && toB.size() > 0, "both members got work: " + toA + " / " + toB.size());
        } finally {
            a.disconnect();
            b.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void qos1MessagesInFlightToAMemberWhoseSessionEndsGoToAnotherMember() throws Exception {
        Mqtt5BlockingClient stayer = node.v5Client("stayer");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = stayer.publishes(MqttGlobalPublishFilter.ALL)) {
            try (RawClient leaver = new RawClient(node.port())) {
                leaver.connectAndSubscribe("leaver", true, "$share/g/work", 1);
                // the stayer is not yet a member: the leaver gets the message and never acknowledges it
                Mqtt5BlockingClient pub = node.v5Client("pub");
                pub.publishWith().topic("work").qos(MqttQos.AT_LEAST_ONCE).payload("task-1".getBytes()).send();
                pub.disconnect();
                assertEquals("work", leaver.expect(PUBLISH).topic());
                stayer.subscribeWith().topicFilter("$share/g/work").qos(MqttQos.AT_LEAST_ONCE).send();
            } // the leaver's clean session ends with its connection
            assertEquals("task-1", new String(in.receive(10, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes()));
            assertEquals(Optional.empty(), in.receive(300, TimeUnit.MILLISECONDS));
        } finally {
            stayer.disconnect();
        }
    }

    @Test
    void aKeptMemberGetsItsUnacknowledgedMessageAgainOnReconnect() throws Exception {
        try (RawClient member = new RawClient(node.port())) {
            member.connectAndSubscribe("kept-member", false, "$share/g/work", 1);
            Mqtt5BlockingClient pub = node.v5Client("pub");
            pub.publishWith().topic("work").qos(MqttQos.AT_LEAST_ONCE).payload("task-2".getBytes()).send();
            pub.disconnect();
            member.expect(PUBLISH);
        }
        try (RawClient again = new RawClient(node.port())) {
            again.connect("kept-member", false, 0, 4);
            RawClient.Packet p = again.expect(PUBLISH);
            assertTrue(p.dup());
            assertEquals("task-2", p.payload311());
        }
    }

    @Test
    void retainedMessagesAreNotSentToASharedSubscription() throws Exception {
        Mqtt5BlockingClient pub = node.v5Client("pub");
        pub.publishWith().topic("state").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload("on".getBytes()).send();
        pub.disconnect();
        Mqtt5BlockingClient sub = node.v5Client("sub");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("$share/g/state").qos(MqttQos.AT_LEAST_ONCE).send();
            assertEquals(Optional.empty(), in.receive(500, TimeUnit.MILLISECONDS));
        } finally {
            sub.disconnect();
        }
    }
}
