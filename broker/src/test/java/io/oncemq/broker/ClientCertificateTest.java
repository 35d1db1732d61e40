package io.oncemq.broker;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Client certificates: mosquitto_pub/mosquitto_sub over TLS with --cert/--key, and a certificate's CN as the user name. */
class ClientCertificateTest {

    @RegisterExtension
    final SecuredNodes nodes = new SecuredNodes();
    private final List<Process> processes = new ArrayList<>();
    private final TestCertificates ca = TestCertificates.authority(nodes.dir(), "test-ca");
    private final TestCertificates.Issued server = ca.server();

    @AfterEach
    void stopProcesses() {
        processes.forEach(Process::destroyForcibly);
    }

    private List<String> tlsKeys() {
        return new ArrayList<>(List.of("tls-port", "0", "tls-cert", server.certFile().toString(), "tls-key", server.keyFile().toString(),
                "tls-client-ca", ca.ca().certFile().toString()));
    }

    @Test
    void mosquittoClientsGoRoundOverTlsWithTheirCertificatesAndFailWithoutThem() throws Exception {
        Node node = nodes.start(tlsKeys().toArray(String[]::new));
        String port = String.valueOf(node.port(Listener.TLS));
        TestCertificates.Issued subCert = ca.client("mosq-sub");
        TestCertificates.Issued pubCert = ca.client("mosq-pub");
        Path out = nodes.dir().resolve("sub.out");
        Process sub = start(out, mosquitto("mosquitto_sub", port, subCert, ca.ca().certFile(),
                "-q", "2", "-t", "m/#", "-C", "1", "-v", "-i", "mosq-sub"));
        Await.until(() -> {
            var s = node.session("mosq-sub");
            return s != null && s.outlet() != null && !s.subscriptions().isEmpty();
        }, Duration.ofSeconds(20), "mosquitto_sub subscribed over TLS");

        Process noCert = start(nodes.dir().resolve("no-cert.out"), mosquitto("mosquitto_pub", port, null, ca.ca().certFile(),
                "-q", "2", "-t", "m/forged", "-m", "no certificate"));
        assertTrue(noCert.waitFor(20, TimeUnit.SECONDS), "mosquitto_pub without a certificate finished");
        assertNotEquals(0, noCert.exitValue(), "mosquitto_pub without a certificate: " + Files.readString(nodes.dir().resolve("no-cert.out")));

        TestCertificates other = TestCertificates.authority(nodes.dir(), "other-ca");
        Process doubter = start(nodes.dir().resolve("doubter.out"), mosquitto("mosquitto_pub", port, pubCert, other.ca().certFile(),
                "-q", "2", "-t", "m/doubt", "-m", "server not trusted"));
        assertTrue(doubter.waitFor(20, TimeUnit.SECONDS), "mosquitto_pub not trusting the server finished");
        assertNotEquals(0, doubter.exitValue(), "mosquitto_pub not trusting the server");

        Process pub = start(nodes.dir().resolve("pub.out"), mosquitto("mosquitto_pub", port, pubCert, ca.ca().certFile(),
                "-q", "2", "-t", "m/tls", "-m", "exactly once over tls", "-i", "mosq-pub"));
        assertTrue(pub.waitFor(20, TimeUnit.SECONDS), "mosquitto_pub finished");
        assertEquals(0, pub.exitValue(), "mosquitto_pub exit code: " + Files.readString(nodes.dir().resolve("pub.out")));
        assertTrue(sub.waitFor(20, TimeUnit.SECONDS), "mosquitto_sub received one message");
        assertEquals(List.of("m/tls exactly once over tls"), Files.readAllLines(out));
    }

    @Test
    void aRequestedCertificateMayBeLeftOutButOneFromAnotherCaIsRefused() throws Exception {
        List<String> keys = tlsKeys();
        keys.addAll(List.of("tls-client-auth", "request"));
        Node node = nodes.start(keys.toArray(String[]::new));
        String port = String.valueOf(node.port(Listener.TLS));
        // mosquitto sends the certificate it is given (the JDK's client leaves out one the server's CA list does not name)
        TestCertificates.Issued forged = TestCertificates.authority(nodes.dir(), "other-ca").client("mallory");
        Process alien = start(nodes.dir().resolve("alien.out"), mosquitto("mosquitto_pub", port, forged, ca.ca().certFile(),
                "-q", "1", "-t", "r/alien", "-m", "forged", "-i", "mosq-alien"));
        assertTrue(alien.waitFor(20, TimeUnit.SECONDS), "mosquitto_pub with a certificate of another CA finished");
        assertNotEquals(0, alien.exitValue(), "mosquitto_pub with a certificate of another CA: " + Files.readString(nodes.dir().resolve("alien.out")));
        Process none = start(nodes.dir().resolve("none.out"), mosquitto("mosquitto_pub", port, null, ca.ca().certFile(),
                "-q", "1", "-t", "r/none", "-m", "no certificate", "-i", "mosq-none"));
        assertTrue(none.waitFor(20, TimeUnit.SECONDS), "mosquitto_pub without a certificate finished");
        assertEquals(0, none.exitValue(), "mosquitto_pub without a certificate: " + Files.readString(nodes.dir().resolve("none.out")));
    }

    @Test
    void theCertificateCnIsTheUserNameAndTheAclHoldsItOnTls() throws Exception {
        List<String> keys = tlsKeys();
        keys.addAll(List.of("tls-use-cn-as-username", "true", "allow-anonymous", "false",
                "password-file", nodes.passwords("bob", "b-pass").toString(),
                "acl-file", nodes.acl("user alice", "topic readwrite a/#", "user bob", "topic read b/#").toString()));
        Node node = nodes.start(keys.toArray(String[]::new));

        Mqtt5BlockingClient alice = tls(node, "alice-1", ca.client("alice"));
        alice.connect(); // no user name, no password: the certificate says who it is
        try (Mqtt5BlockingClient.Mqtt5Publishes received = alice.publishes(MqttGlobalPublishFilter.ALL)) {
            assertEquals(List.of(Mqtt5SubAckReasonCode.GRANTED_QOS_2),
                    alice.subscribeWith().topicFilter("a/#").qos(MqttQos.EXACTLY_ONCE).send().getReasonCodes());
            Mqtt5SubAckException denied = assertThrows(Mqtt5SubAckException.class,
                    () -> alice.subscribeWith().topicFilter("b/#").qos(MqttQos.EXACTLY_ONCE).send());
            assertEquals(List.of(Mqtt5SubAckReasonCode.NOT_AUTHORIZED), denied.getMqttMessage().getReasonCodes());
            alice.publishWith().topic("a/x").qos(MqttQos.EXACTLY_ONCE).payload("mine".getBytes()).send();
            Optional<Mqtt5Publish> got = received.receive(10, TimeUnit.SECONDS);
            assertTrue(got.isPresent(), "alice reads what she wrote");
        }

        // a user name and password in CONNECT do not override the certificate: this client is bob, not alice
        Mqtt5BlockingClient bob = tls(node, "bob-1", ca.client("bob"));
        bob.connectWith().simpleAuth().username("alice").password("whatever".getBytes()).applySimpleAuth().send();
        Mqtt5SubAckException notAlice = assertThrows(Mqtt5SubAckException.class,
                () -> bob.subscribeWith().topicFilter("a/#").qos(MqttQos.AT_LEAST_ONCE).send());
        assertEquals(List.of(Mqtt5SubAckReasonCode.NOT_AUTHORIZED), notAlice.getMqttMessage().getReasonCodes());

        // plain TCP still asks for a password
        Mqtt5BlockingClient anonymous = nodes.v5(node, "anonymous-tcp");
        Mqtt5ConnAckException refused = assertThrows(Mqtt5ConnAckException.class, anonymous::connect);
        assertEquals(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED, refused.getMqttMessage().getReasonCode());
    }

    private Mqtt5BlockingClient tls(Node node, String id, TestCertificates.Issued cert) {
        return nodes.v5(Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1").serverPort(node.port(Listener.TLS))
                .sslConfig().trustManagerFactory(ca.trust()).keyManagerFactory(TestCertificates.keys(cert)).applySslConfig());
    }

    /** A mosquitto CLI command to the TLS port on localhost (the server certificate's DNS name), with this CA and client certificate. */
    private static List<String> mosquitto(String command, String port, TestCertificates.Issued cert, Path caFile, String... rest) {
        List<String> args = new ArrayList<>(List.of(command, "-h", "localhost", "-p", port, "--cafile", caFile.toString()));
        if (cert != null) {
            args.addAll(List.of("--cert", cert.certFile().toString(), "--key", cert.keyFile().toString()));
        }
        args.addAll(List.of(rest));
        return args;
    }

    private Process start(Path out, List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        processes.add(p);
        return p;
    }
}
