package io.oncemq.broker;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.oncemq.broker.auth.AccessControl;
import io.oncemq.broker.auth.Login;
import io.vertx.core.net.SocketAddress;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Logins against the password file: right and wrong passwords, anonymous clients, the CONNACK codes and the counter. */
class AuthenticationTest {

    @RegisterExtension
    final SecuredNodes nodes = new SecuredNodes();

    @Test
    void aRightPasswordConnectsAtMqtt5AndAt311() throws Exception {
        Path passwd = nodes.passwords("alice", "wonder land");
        Node node = nodes.start("password-file", passwd.toString());
        Mqtt5BlockingClient v5 = nodes.v5As(node, "alice-5", "alice", "wonder land");
        assertTrue(v5.getState().isConnected());
        assertTrue(nodes.v311(node, "alice-3", "alice", "wonder land").isConnected());
        assertEquals(0, node.access().counters().failedLogins());
    }

    @Test
    void aWrongPasswordIsRefusedWith0x86AfterTheDelayAndCounted() {
        Node node = nodes.start("password-file", nodes.passwords("alice", "secret").toString());
        long start = System.nanoTime();
        Mqtt5ConnAckException e = assertThrows(Mqtt5ConnAckException.class,
                () -> nodes.v5(node, "mallory").connectWith().simpleAuth().username("alice").password("guess".getBytes()).applySimpleAuth().send());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, e.getMqttMessage().getReasonCode());
        assertTrue(millis >= Login.REFUSAL_DELAY_MILLIS, "refused after " + millis + " ms, before the delay");
        assertEquals(1, node.access().counters().failedLogins());
    }

    @Test
    void anUnknownUserIsRefusedWithCode4At311() {
        Node node = nodes.start("password-file", nodes.passwords("alice", "secret").toString());
        MqttException e = assertThrows(MqttException.class, () -> nodes.v311(node, "eve", "eve", "secret"));
        assertEquals(MqttException.REASON_CODE_FAILED_AUTHENTICATION, e.getReasonCode()); // CONNACK return code 4
        assertEquals(1, node.access().counters().failedLogins());
    }

    @Test
    void anonymousClientsAreRefusedWithAPasswordFileWith0x87AndCode5() {
        Node node = nodes.start("password-file", nodes.passwords("alice", "secret").toString());
        Mqtt5ConnAckException e = assertThrows(Mqtt5ConnAckException.class, () -> nodes.v5(node, "anon-5").connect());
        assertEquals(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED, e.getMqttMessage().getReasonCode());
        MqttException e3 = assertThrows(MqttException.class, () -> nodes.v311(node, "anon-3", null, null));
        assertEquals(MqttException.REASON_CODE_NOT_AUTHORIZED, e3.getReasonCode()); // CONNACK return code 5
        assertEquals(2, node.access().counters().failedLogins());
    }

    @Test
    void anonymousClientsAreAcceptedWithAPasswordFileWhenAllowAnonymousIsTrue() throws Exception {
        Node node = nodes.start("password-file", nodes.passwords("alice", "secret").toString(), "allow-anonymous", "true");
        nodes.v5(node, "anon-5").connect();
        assertTrue(nodes.v311(node, "anon-3", null, null).isConnected());
        MqttException e = assertThrows(MqttException.class, () -> nodes.v311(node, "eve", "alice", "guess"));
        assertEquals(MqttException.REASON_CODE_FAILED_AUTHENTICATION, e.getReasonCode()); // a wrong password still is one
    }

    @Test
    void withoutPasswordFileAnonymousClientsAreWelcomeFromLoopbackOnly() {
        // judged in-process: tests send traffic to 127.0.0.1 only, so no socket can come from elsewhere
        AccessControl byDefault = AccessControl.load(Config.from(Map.of()));
        assertTrue(byDefault.login(null, null, SocketAddress.inetSocketAddress(40000, "127.0.0.1")).result().accepted());
        assertTrue(byDefault.login(null, null, SocketAddress.inetSocketAddress(40000, "::1")).result().accepted());
        assertTrue(byDefault.login("someone", "anything", SocketAddress.inetSocketAddress(40000, "127.0.0.1")).result().accepted());
        assertEquals(Login.Outcome.NOT_AUTHORIZED, byDefault.login(null, null, SocketAddress.inetSocketAddress(40000, "192.0.2.7")).result().outcome());
        AccessControl open = AccessControl.load(Config.from(Map.of("allow-anonymous", "true")));
        assertTrue(open.login(null, null, SocketAddress.inetSocketAddress(40000, "192.0.2.7")).result().accepted());
    }

    @Test
    void aWillTheClientMayNotPublishRefusesTheConnectWith0x87() {
        Node node = nodes.start("acl-file", nodes.acl("topic readwrite public/#").toString());
        Mqtt5ConnAckException e = assertThrows(Mqtt5ConnAckException.class, () -> nodes.v5(node, "willing").connectWith()
                .willPublish().topic("private/last-words").payload("bye".getBytes()).applyWillPublish().send());
        assertEquals(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED, e.getMqttMessage().getReasonCode());
        assertEquals(1, node.access().counters().deniedPublishes());
        nodes.v5(node, "willing-ok").connectWith().willPublish().topic("public/last-words").payload("bye".getBytes()).applyWillPublish().send();
    }

    @Test
    void aPasswordFileWrittenByMosquittoPasswdIsAccepted() throws Exception {
        Path file = nodes.dir().resolve("mosquitto-passwd");
        Process p = new ProcessBuilder("mosquitto_passwd", "-c", "-b", file.toString(), "bob", "builder").redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "mosquitto_passwd wrote " + file);
        assertTrue(java.nio.file.Files.readString(file).startsWith("bob:$7$"), "a PBKDF2-SHA512 hash");
        Node node = nodes.start("password-file", file.toString());
        Mqtt5BlockingClient bob = nodes.v5As(node, "bob", "bob", "builder");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = bob.publishes(MqttGlobalPublishFilter.ALL)) {
            bob.subscribeWith().topicFilter("site/#").qos(MqttQos.AT_LEAST_ONCE).send();
            bob.publishWith().topic("site/1").qos(MqttQos.AT_LEAST_ONCE).payload("brick".getBytes()).send();
            assertEquals("brick", new String(in.receive(10, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes()));
        }
    }
}
