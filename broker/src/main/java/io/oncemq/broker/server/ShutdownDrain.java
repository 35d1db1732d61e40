package io.oncemq.broker.server;

import io.oncemq.broker.Config;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.Session;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;

/**
 * A stopping node's drain of one connection (its listener shuts down): no new PUBLISH goes to the client; once
 * nothing is in flight either way, or the shutdown grace has passed, the connection is closed, after the
 * acknowledgements its packets wait for are durable and written (E2; MQTT 5: DISCONNECT 0x8B Server shutting down).
 */
final class ShutdownDrain {

    /** How often the connection looks whether its handshakes are done. */
    private static final long QUIET_CHECK_MILLIS = 20;

    private final Connection connection;
    private final ClientSocket socket;
    private final PostOffice postOffice;
    private final Config config;
    /** No new handshakes towards the client; it is closed once the ones in flight are done. */
    private boolean started;

    ShutdownDrain(Connection connection, ClientSocket socket, PostOffice postOffice, Config config) {
        this.connection = connection;
        this.socket = socket;
        this.postOffice = postOffice;
        this.config = config;
    }

    void start() {
        if (connection.closed() || started) {
            return;
        }
        started = true;
        if (connection.session() == null) {
            connection.closeQuietly(); // no CONNACK sent yet: nothing in flight, and no DISCONNECT may come before CONNACK
            return;
        }
        awaitQuiet(System.nanoTime() + config.shutdownGraceSeconds() * 1_000_000_000L);
    }

    boolean started() {
        return started;
    }

    private void awaitQuiet(long deadline) {
        if (connection.closed()) {
            return;
        }
        Session session = connection.session();
        boolean quiet = session.outbound().inflightCount() == 0 && session.inbound().heldCount() == 0;
        if (quiet || System.nanoTime() - deadline >= 0) {
            leave(session);
        } else {
            connection.loop().context().owner().setTimer(QUIET_CHECK_MILLIS, id -> awaitQuiet(deadline));
        }
    }

    private void leave(Session session) {
        socket.stopReading();
        if (!session.persistent()) {
            session.willDue(postOffice); // the session ends with this connection, and its will goes now (MQTT-3.1.2-8)
        }
        // a kept session's will stays journaled: it is published where the session lives on, after the restart or
        // by the adopter, as after a crash (MQTT-3.1.2-8: the server closed the connection without a DISCONNECT)
        connection.loop().then(() -> connection.disconnect(MqttDisconnectReasonCode.SERVER_SHUTTING_DOWN, "server shutting down"));
    }
}
