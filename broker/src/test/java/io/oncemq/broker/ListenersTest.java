package io.oncemq.broker;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.TrustManagerFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real clients (HiveMQ, Paho) over plain TCP, TLS, WebSocket and secure WebSocket, with certificates made in the test. */
class ListenersTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final SecuredNodes nodes = new SecuredNodes();
    private TestCertificates ca;
    private TestCertificates.Issued server;

    @BeforeEach
    void certificates() {
        ca = TestCertificates.authority(nodes.dir(), "test-ca");
        server = ca.server();
    }

    /** A node with every listener on a free port; these keys on top. */
    private Node allListeners(String... keyValues) {
        List<String> all = new ArrayList<>(List.of("tls-port", "0", "ws-port", "0", "wss-port", "0",
                "tls-cert", server.certFile().toString(), "tls-key", server.keyFile().toString()));
        all.addAll(List.of(keyValues));
        return nodes.start(all.toArray(String[]::new));
    }

    @Test
    void qos2GoesRoundOnceOverEveryListenerAndBetweenThem() {
        Node node = allListeners();
        for (Listener l : Listener.values()) {
            assertTrue(node.port(l) > 0, l + " bound a port");
        }
        Listener[] kinds = Listener.values();
        for (int i = 0; i < kinds.length; i++) {
            for (Listener publisherSide : List.of(kinds[i], kinds[(i + 1) % kinds.length])) {
                Listener subscriberSide = kinds[i];
                String topic = "t/" + subscriberSide.label() + "/" + publisherSide.label();
                Mqtt5BlockingClient sub = connected(node, subscriberSide, "sub-" + subscriberSide.label() + "-" + publisherSide.label(), null, ca.trust());
                Mqtt5BlockingClient pub = connected(node, publisherSide, "pub-" + subscriberSide.label() + "-" + publisherSide.label(), null, ca.trust());
                try (Mqtt5BlockingClient.Mqtt5Publishes received = sub.publishes(MqttGlobalPublishFilter.ALL)) {
                    sub.subscribeWith().topicFilter(topic).qos(MqttQos.EXACTLY_ONCE).send();
                    pub.publishWith().topic(topic).qos(MqttQos.EXACTLY_ONCE).payload(topic.getBytes(StandardCharsets.UTF_8)).send();
                    Optional<Mqtt5Publish> first = received.receive(WAIT.toSeconds(), TimeUnit.SECONDS);
                    assertTrue(first.isPresent(), "received over " + subscriberSide + " from " + publisherSide);
                    assertEquals(topic, new String(first.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
                    assertEquals(MqttQos.EXACTLY_ONCE, first.get().getQos());
                    assertTrue(received.receive(300, TimeUnit.MILLISECONDS).isEmpty(), "delivered once over " + subscriberSide);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        }
    }

    @Test
    void pahoGoesRoundOverTlsWebSocketAndSecureWebSocket() throws Exception {
        Node node = allListeners();
        for (Listener l : List.of(Listener.TLS, Listener.WS, Listener.WSS)) {
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            MqttClient sub = paho(node, l, "paho-sub-" + l.label(), null);
            sub.subscribe("p/" + l.label(), 2, (topic, m) -> received.add(new String(m.getPayload(), StandardCharsets.UTF_8) + "@" + m.getQos()));
            MqttClient pub = paho(node, l, "paho-pub-" + l.label(), null);
            pub.publish("p/" + l.label(), ("over " + l.label()).getBytes(StandardCharsets.UTF_8), 2, false);
            assertEquals("over " + l.label() + "@2", received.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertNull(received.poll(300, TimeUnit.MILLISECONDS), "delivered once over " + l);
        }
    }

    @Test
    void aRequiredClientCertificateLetsInOnlyClientsOfTheClientCa() throws Exception {
        Node node = nodes.start("port", "off", "tls-port", "0", "wss-port", "0", "tls-cert", server.certFile().toString(),
                "tls-key", server.keyFile().toString(), "tls-client-ca", ca.ca().certFile().toString());
        assertEquals(-1, node.port(), "no plain listener");
        TestCertificates.Issued alice = ca.client("alice");
        TestCertificates stranger = TestCertificates.authority(nodes.dir(), "other-ca");
        for (Listener l : List.of(Listener.TLS, Listener.WSS)) {
            Mqtt5BlockingClient with = connected(node, l, "with-cert-" + l.label(), alice, ca.trust());
            with.subscribeWith().topicFilter("c/#").qos(MqttQos.EXACTLY_ONCE).send();
            assertNotNull(node.session("with-cert-" + l.label()));

            assertThrows(RuntimeException.class, () -> connected(node, l, "no-cert-" + l.label(), null, ca.trust()),
                    "a client without a certificate over " + l);
            assertThrows(RuntimeException.class, () -> connected(node, l, "alien-" + l.label(), stranger.client("mallory"), ca.trust()),
                    "a client whose certificate another CA signed over " + l);
            assertNull(node.session("no-cert-" + l.label()));
            assertNull(node.session("alien-" + l.label()));
        }
        assertThrows(MqttException.class, () -> paho(node, Listener.TLS, "paho-no-cert", null));
        MqttClient paho = paho(node, Listener.TLS, "paho-cert", alice);
        assertTrue(paho.isConnected());
    }

    @Test
    void aRequestedClientCertificateMayBeLeftOut() {
        Node node = allListeners("tls-client-ca", ca.ca().certFile().toString(), "tls-client-auth", "request");
        for (Listener l : List.of(Listener.TLS, Listener.WSS)) {
            connected(node, l, "without-" + l.label(), null, ca.trust());
            connected(node, l, "with-" + l.label(), ca.client("carol"), ca.trust());
            assertNotNull(node.session("without-" + l.label()));
            assertNotNull(node.session("with-" + l.label()));
        }
    }

    @Test
    void aClientThatDoesNotTrustTheServerCertificateDoesNotConnect() {
        Node node = allListeners();
        TrustManagerFactory other = TestCertificates.authority(nodes.dir(), "other-ca").trust();
        for (Listener l : List.of(Listener.TLS, Listener.WSS)) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> connected(node, l, "doubter-" + l.label(), null, other));
            assertTrue(causes(e).contains("SSLHandshakeException") || causes(e).contains("certificate"), causes(e));
            assertNull(node.session("doubter-" + l.label()));
        }
        // and a client that speaks plain MQTT to the TLS port gets no session either
        assertThrows(RuntimeException.class, () -> Mqtt5Client.builder().identifier("plain-to-tls").serverHost("127.0.0.1")
                .serverPort(node.port(Listener.TLS)).buildBlocking().connect());
        assertNull(node.session("plain-to-tls"));
    }

    private static String causes(Throwable t) {
        StringBuilder s = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            s.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" / ");
        }
        return s.toString();
    }

    /** A connected HiveMQ MQTT 5 client over the listener, trusting {@code trust}, presenting {@code cert} (none if null). */
    Mqtt5BlockingClient connected(Node node, Listener listener, String id, TestCertificates.Issued cert, TrustManagerFactory trust) {
        Mqtt5ClientBuilder b = Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1").serverPort(node.port(listener));
        if (listener.tls()) {
            b = b.sslConfig().trustManagerFactory(trust).keyManagerFactory(cert == null ? null : TestCertificates.keys(cert)).applySslConfig();
        }
        if (listener.webSocket()) {
            b = b.webSocketConfig().serverPath("mqtt").subprotocol("mqtt").applyWebSocketConfig();
        }
        Mqtt5BlockingClient c = nodes.v5(b);
        c.connect();
        return c;
    }

    /** A connected Paho 3.1.1 client over the listener, trusting the test CA and presenting {@code cert} (none if null). */
    MqttClient paho(Node node, Listener listener, String id, TestCertificates.Issued cert) throws MqttException {
        String scheme = switch (listener) {
            case TCP -> "tcp";
            case TLS -> "ssl";
            case WS -> "ws";
            case WSS -> "wss";
        };
        String path = listener.webSocket() ? Listener.WEBSOCKET_PATH : "";
        MqttConnectOptions o = SecuredNodes.options311();
        o.setConnectionTimeout(10);
        if (listener.tls()) {
            o.setSocketFactory(ca.context(cert).getSocketFactory());
        }
        return nodes.v311(scheme + "://127.0.0.1:" + node.port(listener) + path, id, o);
    }
}
