package io.oncemq.broker;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrec.Mqtt5PubRecReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The ACL file: reads and writes per user and per pattern, SUBACK/PUBACK/PUBREC codes, retained messages, counters. */
class TopicAccessTest {

    private static final String[] RULES = {
            "# alice owns her tree, bob may read her public part",
            "user alice",
            "topic readwrite alice/#",
            "user bob",
            "topic read alice/public/#",
            "topic write inbox/alice",
            "pattern readwrite devices/%c/#",
            "pattern read home/%u/#",
    };

    @RegisterExtension
    final SecuredNodes nodes = new SecuredNodes();

    private Node node() {
        return nodes.start("password-file", nodes.passwords("alice", "a-pass", "bob", "b-pass").toString(),
                "acl-file", nodes.acl(RULES).toString());
    }

    @Test
    void aDeniedSubscribeGets0x87AtMqtt5AndIsCounted() {
        Node node = node();
        Mqtt5BlockingClient bob = nodes.v5As(node, "bob-1", "bob", "b-pass");
        Mqtt5SubAckException e = assertThrows(Mqtt5SubAckException.class,
                () -> bob.subscribeWith().topicFilter("alice/#").qos(MqttQos.AT_LEAST_ONCE).send());
        assertEquals(List.of(Mqtt5SubAckReasonCode.NOT_AUTHORIZED), e.getMqttMessage().getReasonCodes());
        var granted = bob.subscribeWith().topicFilter("alice/public/+").qos(MqttQos.AT_LEAST_ONCE).send();
        assertEquals(List.of(Mqtt5SubAckReasonCode.GRANTED_QOS_1), granted.getReasonCodes());
        assertEquals(1, node.access().counters().deniedSubscribes());
    }

    @Test
    void aDeniedSubscribeGets0x80At311() throws Exception {
        Node node = node();
        MqttClient bob = nodes.v311(node, "bob-3", "bob", "b-pass");
        IMqttToken token = bob.subscribeWithResponse(new String[]{"alice/private", "alice/public/news"}, new int[]{1, 1});
        assertEquals(List.of(0x80, 1), List.of(token.getGrantedQos()[0], token.getGrantedQos()[1]));
        assertEquals(1, node.access().counters().deniedSubscribes());
    }

    @Test
    void aDeniedPublishGets0x87InPubackAndPubrecAtMqtt5AndIsNotDelivered() throws Exception {
        Node node = node();
        Mqtt5BlockingClient alice = nodes.v5As(node, "alice-1", "alice", "a-pass");
        Mqtt5BlockingClient bob = nodes.v5As(node, "bob-1", "bob", "b-pass");
        assertOnlyAlicesOwnMessageArrives(alice, () -> {
            Mqtt5PubAckException qos1 = assertThrows(Mqtt5PubAckException.class, () -> bob.publishWith().topic("alice/private")
                    .qos(MqttQos.AT_LEAST_ONCE).payload("forged-1".getBytes()).send());
            Mqtt5PubRecException qos2 = assertThrows(Mqtt5PubRecException.class, () -> bob.publishWith().topic("alice/private")
                    .qos(MqttQos.EXACTLY_ONCE).payload("forged-2".getBytes()).send());
            assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, qos1.getMqttMessage().getReasonCode());
            assertEquals(Mqtt5PubRecReasonCode.NOT_AUTHORIZED, qos2.getMqttMessage().getReasonCode());
            bob.publishWith().topic("alice/private").qos(MqttQos.AT_MOST_ONCE).payload("forged-0".getBytes()).send();
            // an allowed QoS 1 PUBLISH after it: its PUBACK shows the QoS 0 one before it was handled
            bob.publishWith().topic("inbox/alice").qos(MqttQos.AT_LEAST_ONCE).payload("hello".getBytes()).send();
        });
        assertEquals(3, node.access().counters().deniedPublishes());
    }

    @Test
    void aDeniedPublishAt311IsAcknowledgedAndDropped() throws Exception {
        Node node = node();
        Mqtt5BlockingClient alice = nodes.v5As(node, "alice-1", "alice", "a-pass");
        MqttClient bob = nodes.v311(node, "bob-3", "bob", "b-pass");
        assertOnlyAlicesOwnMessageArrives(alice, () -> {
            bob.publish("alice/private", "forged-1".getBytes(), 1, false); // returns once PUBACK came
            bob.publish("alice/private", "forged-2".getBytes(), 2, false); // returns once PUBCOMP came
        });
        assertEquals(2, node.access().counters().deniedPublishes());
    }

    /** Alice subscribes to her tree, the forgeries run, then her own message is the first to arrive. */
    private static void assertOnlyAlicesOwnMessageArrives(Mqtt5BlockingClient alice, Forgeries forgeries) throws Exception {
        try (Mqtt5BlockingClient.Mqtt5Publishes in = alice.publishes(MqttGlobalPublishFilter.ALL)) {
            alice.subscribeWith().topicFilter("alice/#").qos(MqttQos.EXACTLY_ONCE).send();
            forgeries.run();
            alice.publishWith().topic("alice/marker").qos(MqttQos.AT_LEAST_ONCE).payload("marker".getBytes()).send();
            assertEquals("marker", new String(in.receive(10, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes()),
                    "no forged message arrived before alice's own");
        }
    }

    /** Publishes that must be denied; done once the broker has handled each. */
    private interface Forgeries {
        void run() throws Exception;
    }

    @Test
    void patternsGrantEachClientItsOwnClientIdAndUserNameTree() throws Exception {
        Node node = node();
        Mqtt5BlockingClient bob = nodes.v5As(node, "sensor-7", "bob", "b-pass");
        Mqtt5BlockingClient alice = nodes.v5As(node, "sensor-8", "alice", "a-pass");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = bob.publishes(MqttGlobalPublishFilter.ALL)) {
            bob.subscribeWith().topicFilter("devices/sensor-7/#").qos(MqttQos.AT_LEAST_ONCE).send();
            bob.subscribeWith().topicFilter("home/bob/#").qos(MqttQos.AT_LEAST_ONCE).send();
            assertThrows(Mqtt5SubAckException.class, () -> bob.subscribeWith().topicFilter("devices/sensor-8/#").send());
            assertThrows(Mqtt5SubAckException.class, () -> bob.subscribeWith().topicFilter("home/alice/#").send());
            Mqtt5PubAckException denied = assertThrows(Mqtt5PubAckException.class, () -> alice.publishWith()
                    .topic("devices/sensor-7/cmd").qos(MqttQos.AT_LEAST_ONCE).payload("forged".getBytes()).send());
            assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, denied.getMqttMessage().getReasonCode());
            bob.publishWith().topic("devices/sensor-7/temp").qos(MqttQos.AT_LEAST_ONCE).payload("21".getBytes()).send();
            Mqtt5Publish got = in.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("devices/sensor-7/temp 21", got.getTopic() + " " + new String(got.getPayloadAsBytes()));
        }
        assertEquals(2, node.access().counters().deniedSubscribes());
        assertEquals(1, node.access().counters().deniedPublishes());
    }

    @Test
    void retainedMessagesAreNotLeakedToADeniedReader() throws Exception {
        Node node = node();
        Mqtt5BlockingClient alice = nodes.v5As(node, "alice-1", "alice", "a-pass");
        alice.publishWith().topic("alice/diary").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload("secret".getBytes()).send();
        alice.publishWith().topic("alice/public/news").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload("news".getBytes()).send();
        Mqtt5BlockingClient bob = nodes.v5As(node, "bob-1", "bob", "b-pass");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = bob.publishes(MqttGlobalPublishFilter.ALL)) {
            for (String wide : new String[]{"#", "alice/#", "+/diary", "alice/+"}) {
                assertThrows(Mqtt5SubAckException.class, () -> bob.subscribeWith().topicFilter(wide).send(), wide);
            }
            bob.subscribeWith().topicFilter("alice/public/#").qos(MqttQos.AT_LEAST_ONCE).send();
            // a retained message sent for a denied subscription would have come first, on the same connection
            Mqtt5Publish got = in.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("alice/public/news news", got.getTopic() + " " + new String(got.getPayloadAsBytes()));
        }
    }

    /**
     * Alice makes a kept session subscribed to alice/#; bob connects with the same client id and resumes it. Bob's
     * publishes are opened before his CONNECT: the client registers them asynchronously, and the resumed subscription
     * may deliver at once (otherwise "No publish flow registered" and the message is gone).
     */
    private Mqtt5BlockingClient.Mqtt5Publishes bobResumesAlicesSession(Node node) {
        Mqtt5BlockingClient first = nodes.v5(node, "shared-id");
        first.connectWith().cleanStart(false).sessionExpiryInterval(3600).simpleAuth().username("alice").password("a-pass".getBytes())
                .applySimpleAuth().send();
        first.subscribeWith().topicFilter("alice/#").qos(MqttQos.AT_LEAST_ONCE).send();
        first.disconnect();
        Mqtt5BlockingClient bob = nodes.v5(node, "shared-id");
        Mqtt5BlockingClient.Mqtt5Publishes in = bob.publishes(MqttGlobalPublishFilter.ALL);
        bob.connectWith().cleanStart(false).sessionExpiryInterval(3600).simpleAuth().username("bob").password("b-pass".getBytes())
                .applySimpleAuth().send();
        return in;
    }

    @Test
    void aSessionResumedByAnotherUserGetsOnlyWhatThatUserMayRead() throws Exception {
        Node node = node();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = bobResumesAlicesSession(node)) {
            Mqtt5BlockingClient alice = nodes.v5As(node, "alice-pub", "alice", "a-pass");
            alice.publishWith().topic("alice/diary").qos(MqttQos.AT_LEAST_ONCE).payload("secret".getBytes()).send();
            alice.publishWith().topic("alice/public/news").qos(MqttQos.AT_LEAST_ONCE).payload("news".getBytes()).send();
            Mqtt5Publish got = in.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("alice/public/news", got.getTopic().toString(), "alice's subscription in the session, bob's reads");
        }
    }

    @Test
    void aWillIsNotDeliveredToASubscriberThatMayNotReadIt() throws Exception {
        Node node = node();
        Mqtt5BlockingClient watcher = nodes.v5As(node, "alice-watch", "alice", "a-pass");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = bobResumesAlicesSession(node);
             Mqtt5BlockingClient.Mqtt5Publishes watched = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter("alice/will").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient dying = nodes.v5(node, "alice-dying");
            dying.connectWith().simpleAuth().username("alice").password("a-pass".getBytes()).applySimpleAuth()
                    .willPublish().topic("alice/will").qos(MqttQos.AT_LEAST_ONCE).payload("gone".getBytes()).applyWillPublish().send();
            dying.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
            assertEquals("gone", new String(watched.receive(10, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes()), "the will went out");
            watcher.publishWith().topic("alice/public/news").qos(MqttQos.AT_LEAST_ONCE).payload("news".getBytes()).send();
            assertEquals("alice/public/news", in.receive(10, TimeUnit.SECONDS).orElseThrow().getTopic().toString(),
                    "the will was routed past bob, who may not read alice/will");
        }
    }

    @Test
    void aReloadAppliesNewRulesToOpenConnectionsAndABadFileKeepsTheOldOnes() throws Exception {
        Node node = node();
        Mqtt5BlockingClient bob = nodes.v5As(node, "bob-1", "bob", "b-pass");
        Mqtt5BlockingClient alice = nodes.v5As(node, "alice-1", "alice", "a-pass");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = bob.publishes(MqttGlobalPublishFilter.ALL)) {
            bob.subscribeWith().topicFilter("alice/public/#").qos(MqttQos.AT_LEAST_ONCE).send();
            List<String> rules = new ArrayList<>(List.of(RULES));
            rules.set(rules.indexOf("topic read alice/public/#"), "topic read alice/public/open/#");
            nodes.acl(rules.toArray(String[]::new));
            assertEquals(true, node.access().reload());
            alice.publishWith().topic("alice/public/closed").qos(MqttQos.AT_LEAST_ONCE).payload("no longer".getBytes()).send();
            alice.publishWith().topic("alice/public/open/x").qos(MqttQos.AT_LEAST_ONCE).payload("still".getBytes()).send();
            assertEquals("alice/public/open/x", in.receive(10, TimeUnit.SECONDS).orElseThrow().getTopic().toString());
            assertThrows(Mqtt5SubAckException.class, () -> bob.subscribeWith().topicFilter("alice/public/#").send());

            nodes.acl("user bob", "topic sideways alice/#");
            assertEquals(false, node.access().reload(), "a malformed file is refused");
            bob.subscribeWith().topicFilter("alice/public/open/y").qos(MqttQos.AT_LEAST_ONCE).send(); // old rules stand
            assertThrows(Mqtt5SubAckException.class, () -> bob.subscribeWith().topicFilter("alice/private").send());
        }
        assertEquals(true, bob.getState().isConnected());
    }
}
