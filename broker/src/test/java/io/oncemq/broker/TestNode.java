package io.oncemq.broker;

import java.nio.file.Path;
import java.util.Map;

/** An in-process node on a random port and a test's own data folder, for behaviour tests. */
final class TestNode implements AutoCloseable {

    private final Path data;
    private Node node;

    TestNode(Path data) {
        this.data = data;
        start();
    }

    void start() {
        node = new Node(Config.from(Map.of("port", "0", "host", "127.0.0.1", "data", data.toString(),
                "event-loops", "2"))).start();
    }

    /** Clean stop and start on the same folder: the journal is replayed. */
    void restart() {
        node.stop();
        start();
    }

    int port() {
        return node.port();
    }

    Node node() {
        return node;
    }

    @Override
    public void close() {
        node.stop();
    }
}
