package io.oncemq.broker;

import io.vertx.core.http.ClientAuth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The listener keys: defaults, off, and one clear message naming the key for every bad value or PEM file. */
class ListenerConfigTest {

    @TempDir
    Path dir;

    @Test
    void onlyPlainTcpByDefaultAndOffTurnsAListenerOff() throws Exception {
        Config c = Config.defaults();
        assertEquals(1883, c.port(Listener.TCP));
        assertEquals(Listeners.OFF, c.port(Listener.TLS));
        assertEquals(Listeners.OFF, c.port(Listener.WS));
        assertEquals(Listeners.OFF, c.port(Listener.WSS));
        assertFalse(c.listeners().tls());
        Config ws = CommandLine.parse("--port", "off", "--ws-port", "8080");
        assertEquals(Listeners.OFF, ws.port());
        assertEquals(8080, ws.port(Listener.WS));
        Path file = dir.resolve("oncemq.yaml");
        Files.writeString(file, "port: off\nws-port: 9001\n"); // YAML reads an unquoted off as false
        assertEquals(Listeners.OFF, CommandLine.parse("--config", file.toString()).port());
    }

    @Test
    void badListenerSettingsNameTheKey() {
        assertMessage("key 'tls-port' has value 'tls': expected a port number 0-65535 (0: any free port) or off", "tls-port", "tls");
        assertMessage("key 'port' is off and so are 'tls-port', 'ws-port' and 'wss-port': expected at least one listener", "port", "off");
        assertMessage("key 'ws-port' has value 1883, the port of 'port': expected a port of its own", "ws-port", "1883");
        assertMessage("key 'tls-cert' is not set but 'tls-port' is: expected the PEM file of the server's certificate chain", "tls-port", "8883");
        assertMessage("key 'tls-key' is not set but 'wss-port' is: expected the PEM file of the server's private key (PKCS#8)",
                "wss-port", "8884", "tls-cert", "c.pem");
        assertMessage("key 'tls-cert' is set but neither 'tls-port' nor 'wss-port' is: expected a TLS port for it", "tls-cert", "c.pem");
        assertMessage("key 'tls-client-auth' has value 'always': expected none, request or require",
                "tls-port", "8883", "tls-cert", "c.pem", "tls-key", "k.pem", "tls-client-auth", "always");
        assertMessage("key 'tls-client-auth' is require but 'tls-client-ca' is not set: expected the PEM file of the CA that client certificates chain to",
                "tls-port", "8883", "tls-cert", "c.pem", "tls-key", "k.pem", "tls-client-auth", "require");
        assertMessage("key 'tls-use-cn-as-username' is true but 'tls-client-auth' is not require: expected tls-client-ca and"
                        + " tls-client-auth: require, so that every TLS client has a certificate",
                "tls-port", "8883", "tls-cert", "c.pem", "tls-key", "k.pem", "tls-use-cn-as-username", "true");
        Config c = config("tls-port", "8883", "tls-cert", "c.pem", "tls-key", "k.pem", "tls-client-ca", "ca.pem");
        assertEquals(ClientAuth.REQUIRED, c.listeners().tlsClientAuth(), "a client CA asks for certificates by default");
    }

    @Test
    void aMissingUnreadableOrMalformedPemStopsStartUpNamingItsKey() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "test-ca");
        TestCertificates.Issued server = ca.server();
        TestCertificates.Issued other = ca.client("other");
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "not a certificate\n");
        Path badBase64 = dir.resolve("bad-key.pem");
        Files.writeString(badBase64, TestCertificates.pem("PRIVATE KEY", "not a key at all".getBytes()));
        Path legacy = dir.resolve("legacy.pem");
        Files.writeString(legacy, TestCertificates.pem("EC PRIVATE KEY", "sec1".getBytes()));
        String cert = server.certFile().toString();
        String key = server.keyFile().toString();

        assertStartFails("key 'tls-cert': cannot read " + dir.resolve("missing.pem"), dir.resolve("missing.pem").toString(), key, null);
        assertStartFails("key 'tls-cert': " + garbage + " holds no '-----BEGIN CERTIFICATE-----' block", garbage.toString(), key, null);
        assertStartFails("key 'tls-key': cannot read " + dir.resolve("missing.key"), cert, dir.resolve("missing.key").toString(), null);
        assertStartFails("key 'tls-key': " + garbage + " holds no PEM block", cert, garbage.toString(), null);
        assertStartFails("key 'tls-key': " + badBase64 + " is not a valid EC PKCS#8 private key", cert, badBase64.toString(), null);
        assertStartFails("key 'tls-key': " + legacy + " holds a 'EC PRIVATE KEY' block: expected an unencrypted PKCS#8", cert, legacy.toString(), null);
        assertStartFails("key 'tls-key': the private key in " + other.keyFile() + " does not belong to the certificate", cert,
                other.keyFile().toString(), null);
        assertStartFails("key 'tls-client-ca': " + garbage + " holds no '-----BEGIN CERTIFICATE-----' block", cert, key, garbage.toString());
    }

    private void assertStartFails(String start, String cert, String key, String clientCa) {
        Map<String, String> settings = new HashMap<>(Map.of("port", "0", "host", "127.0.0.1", "tls-port", "0",
                "data", dir.resolve("data").toString(), "tls-cert", cert, "tls-key", key));
        if (clientCa != null) {
            settings.put("tls-client-ca", clientCa);
        }
        Node node = new Node(Config.from(settings));
        try {
            ConfigException e = assertThrows(ConfigException.class, node::start);
            assertTrue(e.getMessage().startsWith(start), e.getMessage());
            assertFalse(Files.exists(dir.resolve("data")), "nothing opened before the PEM files were checked");
        } finally {
            node.stop();
        }
    }

    private static Config config(String... keyValues) {
        Map<String, String> settings = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            settings.put(keyValues[i], keyValues[i + 1]);
        }
        return Config.from(settings);
    }

    private static void assertMessage(String expected, String... keyValues) {
        assertEquals(expected, assertThrows(ConfigException.class, () -> config(keyValues)).getMessage());
    }
}
