package io.oncemq.broker;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import io.oncemq.broker.auth.Passwd;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Password and ACL files in a temporary folder, in-process nodes started with them, and the clients the
 * test made; all closed (and the folder deleted) after each test: {@code @RegisterExtension final SecuredNodes nodes = new SecuredNodes();}
 */
final class SecuredNodes implements AfterEachCallback {

    /** Test hashes are cheap; one test checks the default iteration count on its own. */
    static final String TEST_ITERATIONS = "1000";

    private final Path dir;
    private final List<Node> nodes = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();

    SecuredNodes() {
        try {
            dir = Files.createTempDirectory("oncemq-auth");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path dir() {
        return dir;
    }

    /** A password file with these user/password pairs, written by the passwd command. */
    Path passwords(String... userPassword) {
        Path file = dir.resolve("passwd");
        for (int i = 0; i < userPassword.length; i += 2) {
            passwd("-b", "-I", TEST_ITERATIONS, file.toString(), userPassword[i], userPassword[i + 1]);
        }
        return file;
    }

    /** Runs {@code oncemq passwd} in this JVM; fails the test unless it exits 0. */
    static void passwd(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Passwd.run(List.of(args), new ByteArrayInputStream(new byte[0]), System.out, new PrintStream(err));
        if (code != 0) {
            throw new AssertionError("passwd " + List.of(args) + " exited " + code + ": " + err);
        }
    }

    Path acl(String... lines) {
        Path file = dir.resolve("acl");
        try {
            Files.write(file, List.of(lines));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** A node on a random port of 127.0.0.1 with these config keys and values on top of the test defaults. */
    Node start(String... keyValues) {
        Map<String, String> all = new HashMap<>(Map.of("port", "0", "host", "127.0.0.1",
                "data", dir.resolve("data-" + nodes.size()).toString(), "event-loops", "2"));
        for (int i = 0; i < keyValues.length; i += 2) {
            all.put(keyValues[i], keyValues[i + 1]);
        }
        Node node = new Node(Config.from(all)).start();
        nodes.add(node);
        return node;
    }

    /** An MQTT 5 client (HiveMQ), not yet connected; disconnected after the test. */
    Mqtt5BlockingClient v5(Node node, String clientId) {
        return v5(Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(node.port()));
    }

    /** An MQTT 5 client (HiveMQ) built as told, not yet connected; disconnected after the test. */
    Mqtt5BlockingClient v5(Mqtt5ClientBuilder builder) {
        Mqtt5BlockingClient c = builder.buildBlocking();
        clients.add(() -> {
            if (c.getState().isConnected()) {
                c.disconnect();
            }
        });
        return c;
    }

    /** A connected MQTT 5 client logged in as the user. */
    Mqtt5BlockingClient v5As(Node node, String clientId, String user, String password) {
        Mqtt5BlockingClient c = v5(node, clientId);
        c.connectWith().simpleAuth().username(user).password(password.getBytes()).applySimpleAuth().send();
        return c;
    }

    /** A Paho 3.1.1 client, connected with the user name and password (none if null); closed after the test. */
    MqttClient v311(Node node, String clientId, String user, String password) throws MqttException {
        MqttConnectOptions o = options311();
        if (user != null) {
            o.setUserName(user);
            o.setPassword(password.toCharArray());
        }
        return v311("tcp://127.0.0.1:" + node.port(), clientId, o);
    }

    /** Paho at 3.1.1, no automatic reconnect. */
    static MqttConnectOptions options311() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setAutomaticReconnect(false);
        return o;
    }

    /** A Paho client connected to the URI with these options; closed after the test. */
    MqttClient v311(String uri, String clientId, MqttConnectOptions options) throws MqttException {
        MqttClient c = new MqttClient(uri, clientId, new MemoryPersistence());
        clients.add(() -> {
            if (c.isConnected()) {
                c.disconnectForcibly(1000, 1000);
            }
            c.close(true);
        });
        c.connect(options);
        return c;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (AutoCloseable c : clients) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the broker may have closed it first
            }
        }
        nodes.forEach(Node::stop);
        Folders.delete(dir);
    }
}
