package io.oncemq.broker.server;

import io.oncemq.broker.Config;
import io.oncemq.broker.Listener;
import io.oncemq.broker.Listeners;
import io.oncemq.broker.Node;
import io.oncemq.broker.journal.JournalBatcher;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;

import java.util.ArrayList;
import java.util.List;

/** One instance per event loop, binding every configured listener; all instances share the ports. */
public final class MqttVerticle extends VerticleBase {

    private static final long STALL_CHECK_MILLIS = 5_000;
    private static final long STALL_NANOS = 20_000_000_000L;
    /** A fixed header and the longest Remaining Length in front of the largest packet. */
    static final int MQTT_HEADER_BYTES = 5;

    private final Node node;
    private final List<MqttServer> servers = new ArrayList<>();

    public MqttVerticle(Node node) {
        this.node = node;
    }

    @Override
    public Future<?> start() {
        JournalBatcher loop = new JournalBatcher(node.journal(), context, node.forwarding(), node.counters());
        vertx.setPeriodic(STALL_CHECK_MILLIS, id -> loop.reportStall(STALL_NANOS));
        List<Future<?>> bound = new ArrayList<>();
        for (Listener listener : Listener.values()) {
            if (node.config().port(listener) == Listeners.OFF) {
                continue;
            }
            MqttServer server = MqttServer.create(vertx, options(listener));
            // one code path for every transport: the same checks, limits and logins hold on each (Connection)
            server.endpointHandler(endpoint -> new Connection(endpoint, node, loop).start());
            servers.add(server);
            bound.add(server.listen().onSuccess(s -> node.listening(listener, s.actualPort())));
        }
        return Future.all(bound);
    }

    private MqttServerOptions options(Listener listener) {
        Config config = node.config();
        MqttServerOptions options = new MqttServerOptions()
                .setHost(config.host())
                .setPort(config.port(listener))
                .setMaxMessageSize(config.maxPacketSize())
                .setMaxClientIdLength(config.maxClientIdLength())
                .setTimeoutOnConnect(config.connectTimeoutSeconds())
                .setAutoClientId(false);
        if (listener.tls()) {
            node.tls().apply(options);
        }
        if (listener.webSocket()) {
            options.setUseWebSocket(true)
                    // a compressed frame could inflate past every limit before the MQTT decoder sees it
                    .setPerFrameWebSocketCompressionSupported(false)
                    .setPerMessageWebSocketCompressionSupported(false);
            options.setWebSocketMaxFrameSize(config.maxPacketSize() + MQTT_HEADER_BYTES);
        }
        return options;
    }

    @Override
    public Future<?> stop() {
        return Future.all(servers.stream().map(MqttServer::close).toList());
    }
}
