package io.oncemq.broker;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * An in-process node on a random port and its own data folder, started before each test and stopped
 * (and its folder deleted) after it: {@code @RegisterExtension final TestNode node = new TestNode();}
 */
final class TestNode implements BeforeEachCallback, AfterEachCallback {

    private final Map<String, String> settings;
    private Path data;
    private Node node;

    TestNode() {
        this(Map.of());
    }

    /** A node with these config keys set on top of the test defaults. */
    TestNode(Map<String, String> settings) {
        this.settings = settings;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        data = Files.createTempDirectory("oncemq-test");
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        node.stop();
        Folders.delete(data);
    }

    private void start() {
        Map<String, String> all = new java.util.HashMap<>(Map.of("port", "0", "host", "127.0.0.1",
                "data", data.toString(), "event-loops", "2"));
        all.putAll(settings);
        node = new Node(Config.from(all)).start();
    }

    /** Clean stop and start on the same folder: the journal is replayed. */
    void restart() {
        node.stop();
        start();
    }

    /** Stops, lets the test change the journal folder, and starts again on it. */
    void restart(java.util.function.Consumer<Path> whileStopped) {
        node.stop();
        whileStopped.accept(data.resolve("journal"));
        start();
    }

    int port() {
        return node.port();
    }

    Node node() {
        return node;
    }

    /** A connected MQTT 5 client (HiveMQ MQTT Client) with a clean session. */
    Mqtt5BlockingClient v5Client(String clientId) {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port()).buildBlocking();
        c.connect();
        return c;
    }
}
