package io.oncemq.broker;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import com.hivemq.client.mqtt.datatypes.MqttQos;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * In-process nodes joined in one Hazelcast cluster on 127.0.0.1 (each with its own member, Vert.x and
 * data folder), started before a test class and stopped after it:
 * {@code @RegisterExtension static final TestCluster cluster = new TestCluster(2);}. For routing logic;
 * tests that kill a node use node JVMs instead.
 */
final class TestCluster implements BeforeAllCallback, AfterAllCallback {

    private final int size;
    private final List<Path> data = new ArrayList<>();
    private final List<Integer> clusterPorts = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final String name = "test-" + Long.toHexString(System.nanoTime());

    TestCluster(int size) {
        this.size = size;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        for (int i = 0; i < size; i++) {
            data.add(Files.createTempDirectory("oncemq-cluster"));
            clusterPorts.add(FreePorts.next());
            nodes.add(null);
        }
        for (int i = 0; i < size; i++) {
            start(i);
        }
        // the first nodes serve once a majority is in (with three or more); the last start may return before they know it
        Await.until(() -> nodes.stream().allMatch(Node::ready), Duration.ofSeconds(30), "every node ready");
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        for (Node n : nodes) {
            if (n != null) {
                n.stop();
            }
        }
        for (Path d : data) {
            Folders.delete(d);
        }
    }

    /** Starts node i (again) on its own folder and cluster port. */
    void start(int i) {
        StringBuilder members = new StringBuilder();
        for (int port : clusterPorts) {
            members.append(members.length() == 0 ? "" : ",").append("127.0.0.1:").append(port);
        }
        Map<String, String> settings = new HashMap<>(Map.of("port", "0", "host", "127.0.0.1", "data", data.get(i).toString(),
                "event-loops", "2", "node", "n" + (i + 1), "cluster-name", name, "cluster-port", String.valueOf(clusterPorts.get(i)),
                "members", members.toString()));
        nodes.set(i, new Node(Config.from(settings)).start());
    }

    /** Clean stop of node i. */
    void stop(int i) {
        nodes.get(i).stop();
        nodes.set(i, null);
    }

    /** The Hazelcast cluster name the nodes share. */
    String name() {
        return name;
    }

    /** The nodes' cluster addresses, as --members lists them. */
    List<String> members() {
        return clusterPorts.stream().map(p -> "127.0.0.1:" + p).toList();
    }

    Node node(int i) {
        return nodes.get(i);
    }

    int port(int i) {
        return nodes.get(i).port();
    }

    /** A connected MQTT 5 client with a clean session on node i. */
    Mqtt5BlockingClient v5Client(int i, String clientId) {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port(i)).buildBlocking();
        c.connect();
        return c;
    }

    /**
     * Publishes QoS 0 probes on {@code topic} from node {@code from} until {@code in} gets one: the route
     * table reaches every node a few milliseconds after SUBACK, not with it.
     */
    void awaitRoute(int from, String topic, Mqtt5BlockingClient.Mqtt5Publishes in) {
        Mqtt5BlockingClient probe = v5Client(from, "probe-" + System.nanoTime());
        try {
            Await.until(() -> {
                probe.publishWith().topic(topic).qos(MqttQos.AT_MOST_ONCE).payload(new byte[]{0}).send();
                try {
                    return in.receive(50, TimeUnit.MILLISECONDS).isPresent();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, Duration.ofSeconds(20), "a route for " + topic + " on node " + from);
        } finally {
            probe.disconnect();
        }
    }
}
