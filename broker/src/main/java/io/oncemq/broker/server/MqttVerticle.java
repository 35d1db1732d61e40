package io.oncemq.broker.server;

import io.oncemq.broker.Node;
import io.oncemq.broker.journal.JournalBatcher;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;

/** One MQTT listener instance per event loop; all instances share the port. */
public final class MqttVerticle extends VerticleBase {

    private static final long STALL_CHECK_MILLIS = 5_000;
    private static final long STALL_NANOS = 20_000_000_000L;

    private final Node node;
    private MqttServer server;

    public MqttVerticle(Node node) {
        this.node = node;
    }

    @Override
    public Future<?> start() {
        JournalBatcher loop = new JournalBatcher(node.journal(), context, node.forwarding(), node.counters());
        vertx.setPeriodic(STALL_CHECK_MILLIS, id -> loop.reportStall(STALL_NANOS));
        MqttServerOptions options = new MqttServerOptions()
                .setHost(node.config().host())
                .setPort(node.config().port())
                .setMaxMessageSize(node.config().maxPacketSize())
                .setMaxClientIdLength(node.config().maxClientIdLength())
                .setTimeoutOnConnect(node.config().connectTimeoutSeconds())
                .setAutoClientId(false);
        server = MqttServer.create(vertx, options);
        server.endpointHandler(endpoint -> new Connection(endpoint, node, loop).start());
        return server.listen().onSuccess(s -> node.listening(s.actualPort()));
    }

    @Override
    public Future<?> stop() {
        return server.close();
    }
}
