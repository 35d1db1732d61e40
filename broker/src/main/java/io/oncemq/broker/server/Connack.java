package io.oncemq.broker.server;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.oncemq.broker.Config;
import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.session.SessionRegistry;
import io.oncemq.journal.Record;
import io.vertx.mqtt.MqttEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A connection's CONNACK step: the claimed session resumed or started clean, journaled, then CONNACK with the keep-alive imposed. */
final class Connack {

    /** Its lines are the connection's: log filters (and readers) look for them under that name. */
    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    private final Connection connection;
    private final ClientSocket socket;
    private final SessionRegistry sessions;
    private final Config config;
    /** The keep-alive this server imposes instead of the client's (5.0 Server Keep Alive), or -1. */
    private int serverKeepAlive = -1;

    Connack(Connection connection, ClientSocket socket, SessionRegistry sessions, Config config) {
        this.connection = connection;
        this.socket = socket;
        this.sessions = sessions;
        this.config = config;
    }

    /** What the CONNECT asked for, as the claimed session is resumed with it. */
    record ConnectParams(boolean cleanStart, long expiry, boolean assignedId) {
    }

    /**
     * A 5.0 client asking for no keep-alive or one above {@code max-keep-alive} is told to use the maximum
     * (MQTT-3.2.2-21), and is held to it; 3.1.1 has no way to tell a client, so its own value stands.
     */
    void imposeKeepAlive() {
        int max = config.maxKeepAlive();
        int asked = connection.endpoint().keepAliveTimeSeconds();
        if (!connection.v5() || max == 0 || (asked != 0 && asked <= max)) {
            return;
        }
        serverKeepAlive = max;
        socket.keepAlive(max, () -> {
            log.info("client {}: no packet within 1.5 x the Server Keep Alive of {} s; closing connection", connection.clientId(), max);
            connection.closeQuietly();
        });
    }

    void resume(Session s, ConnectParams p) {
        MqttEndpoint endpoint = connection.endpoint();
        JournalBatcher loop = connection.loop();
        String clientId = connection.clientId();
        boolean v5 = connection.v5();
        boolean present = s.persistent() && !p.cleanStart();
        boolean persistent = p.expiry() > 0;
        if (!present) {
            sessions.discardState(s); // MQTT-3.1.2-6 / 5.0 Clean Start
        } else if (!persistent) {
            loop.record(new Record.SessionEnded(clientId)); // resumed, but no longer kept after this connection
        }
        s.persistence(persistent, p.expiry());
        if (persistent) {
            loop.record(new Record.SessionOpened(clientId, p.expiry()));
        }
        s.will(Will.of(endpoint.will()));
        s.access(connection.access());
        connection.session(s);
        if (v5) {
            s.outbound().clientReceiveMaximum((int) Connection.intProperty(endpoint.connectProperties(), MqttPropertyType.RECEIVE_MAXIMUM, 65535));
        }
        if (connection.closed()) {
            sessions.detach(s, connection);
            return;
        }
        loop.then(() -> {
            if (connection.closed() || s.connection() != connection) {
                return;
            }
            endpoint.accept(present, v5
                    ? ConnackProperties.of(config, clientId, p.assignedId(), serverKeepAlive, endpoint.connectProperties())
                    : new MqttProperties());
            s.outlet(connection);
            log.info("client {} connected (MQTT {}, {} session{})", clientId, v5 ? "5.0" : "3.1.1",
                    persistent ? "kept" : "clean", present ? ", resumed" : "");
            s.outbound().resend();
        });
    }
}
