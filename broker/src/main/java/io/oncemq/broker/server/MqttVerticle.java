package io.oncemq.broker.server;

import io.oncemq.broker.Config;
import io.oncemq.broker.Listener;
import io.oncemq.broker.Listeners;
import io.oncemq.broker.Node;
import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.session.Session;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** One instance per event loop, binding every configured listener; all instances share the ports. */
public final class MqttVerticle extends VerticleBase {

    private static final Logger log = LoggerFactory.getLogger(MqttVerticle.class);
    /** vertx-mqtt's server hides its NetServer, whose graceful shutdown we need (STACK.md: the endpoint hides its socket too). */
    private static final VarHandle NET_SERVER = netServerField();
    /** After the grace, how long connections still have to write their last acknowledgements before Vert.x closes them. */
    public static final long CLOSE_MARGIN_MILLIS = 1_000;

    private static final long STALL_CHECK_MILLIS = 5_000;
    private static final long STALL_NANOS = 20_000_000_000L;
    /** A fixed header and the longest Remaining Length in front of the largest packet. */
    static final int MQTT_HEADER_BYTES = 5;

    private final Node node;
    private final List<MqttServer> servers = new ArrayList<>();
    private JournalBatcher loop;

    public MqttVerticle(Node node) {
        this.node = node;
    }

    @Override
    public Future<?> start() {
        loop = new JournalBatcher(node.journal(), context, node.forwarding(), node.counters());
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

    /**
     * Undeployed when the node stops: each listener stops accepting at once, its connections are told
     * ({@link Connection}: they finish their handshakes within {@code shutdown-grace}, then close with DISCONNECT
     * 0x8B), and Vert.x closes any still open {@link #CLOSE_MARGIN_MILLIS} later; then this loop's last journal
     * batches complete, so everything acknowledged is durable (and copied, in a cluster) before the journal closes.
     */
    @Override
    public Future<?> stop() {
        Duration timeout = Duration.ofMillis(node.config().shutdownGraceSeconds() * 1000L + CLOSE_MARGIN_MILLIS);
        List<Future<Void>> closed = servers.stream().map(s -> shutdown(s, timeout)).toList();
        // Vert.x keeps the open sockets until the timeout; the connections of this loop's sessions drain first
        for (Session s : node.sessions().all()) {
            if (s.loop() == loop) {
                s.run(() -> {
                    if (s.connection() instanceof Connection c) {
                        c.serverShuttingDown();
                    }
                });
            }
        }
        return Future.join(closed).transform(ar -> {
            Promise<Void> idle = Promise.promise();
            context.runOnContext(v -> loop.then(idle::complete));
            return idle.future();
        });
    }

    private static Future<Void> shutdown(MqttServer server, Duration timeout) {
        NetServer net = NET_SERVER == null ? null : (NetServer) NET_SERVER.get(server);
        return net == null ? server.close() : net.shutdown(timeout);
    }

    private static VarHandle netServerField() {
        try {
            Class<?> impl = Class.forName("io.vertx.mqtt.impl.MqttServerImpl");
            return MethodHandles.privateLookupIn(impl, MethodHandles.lookup()).findVarHandle(impl, "server", NetServer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("vertx-mqtt's NetServer not reachable ({}): on stop, client connections close at once, without DISCONNECT", e.toString());
            return null;
        }
    }
}
