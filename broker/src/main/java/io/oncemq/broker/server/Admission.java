package io.oncemq.broker.server;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.oncemq.broker.Config;
import io.oncemq.broker.Node;
import io.oncemq.broker.auth.Login;
import io.oncemq.broker.auth.TopicAccess;
import io.vertx.core.Future;
import io.vertx.mqtt.MqttAuth;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttWill;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/** Whether a CONNECT is let in: the checks the codec leaves to us, the login, the will topic and the connection limit; each refusal is one CONNACK code and one log line. */
final class Admission {

    private static final Logger log = LoggerFactory.getLogger(Admission.class);

    private final Connection connection;
    private final Node node;
    private final Config config;
    private final MqttEndpoint endpoint;

    Admission(Connection connection, Node node) {
        this.connection = connection;
        this.node = node;
        this.config = node.config();
        this.endpoint = connection.endpoint();
    }

    /** The CONNECT checks the codec leaves to us; false if the CONNECT was refused or the connection closed. */
    boolean wellFormed() {
        boolean v5 = connection.v5();
        String clientId = connection.clientId();
        if (endpoint.will() != null && endpoint.will().isWillFlag() && endpoint.will().getWillQos() > 2) {
            malformed("Will QoS 3"); // MQTT-3.1.2-12: the codec lets it through
            return false;
        }
        if (clientId != null && clientId.getBytes(StandardCharsets.UTF_8).length > config.maxClientIdLength()) {
            // the codec checks the length at 3.1 only: max-client-id-length holds here (MQTT-3.1.3-8)
            refuse(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID : MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED,
                    "client id longer than max-client-id-length " + config.maxClientIdLength());
            return false;
        }
        if (v5 && endpoint.connectProperties().getProperty(MqttPropertyType.AUTHENTICATION_METHOD.value()) != null) {
            refuse(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_AUTHENTICATION_METHOD, "enhanced authentication is not offered");
            return false;
        }
        return true;
    }

    /** Judges the CONNECT's user name and password, or the TLS certificate's CN when the listener says so. */
    Future<Login> login() {
        MqttAuth auth = endpoint.auth();
        return config.listeners().tlsUseCnAsUsername() && endpoint.isSsl()
                ? Future.succeededFuture(node.access().certified(PeerCertificate.commonName(endpoint)))
                : node.access().login(auth == null ? null : auth.getUsername(), auth == null ? null : auth.getPassword(), endpoint.remoteAddress());
    }

    /** A refused login: its CONNACK goes out after a delay. */
    void refuseLater(Login login) {
        node.access().refused();
        // a later CONNACK slows down guessing; a timer, so the loop keeps serving others meanwhile
        connection.loop().context().owner().setTimer(Login.REFUSAL_DELAY_MILLIS, id -> {
            if (!connection.closed()) {
                refuse(login.refusal(connection.v5()), login.reason() + (login.user() == null ? "" : " (user " + login.user() + ")"));
            }
        });
    }

    /**
     * Whether this node serves now, a logged-in client's will topic and the connection limit; true if the connection
     * now counts towards max-connections.
     */
    boolean opens(TopicAccess access) {
        if (!node.quorum()) {
            // before the claim: a node no majority confirms takes no session from another (E4); its fence drops the CONNACK too
            unavailable("this node is not serving: no majority of its cluster confirms it");
            return false;
        }
        boolean v5 = connection.v5();
        MqttWill will = endpoint.will();
        if (will != null && will.isWillFlag() && !access.mayWrite(will.getWillTopic())) {
            node.access().counters().deniedPublish(); // a will the client may not publish is refused as Mosquitto does
            refuse(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5 : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED,
                    "will topic " + will.getWillTopic() + " is not writable by this client");
            return false;
        }
        if (!node.connections().tryOpen()) {
            refuse(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                    "max-connections " + config.maxConnections() + " reached");
            return false;
        }
        return true;
    }

    /** The session could not be claimed (it is on a node that cannot hand it over now): the client may retry. */
    void unavailable(String why) {
        refuse(connection.v5() ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5
                : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE, why);
    }

    private void refuse(MqttConnectReturnCode code, String why) {
        log.warn("client {}: CONNECT refused ({}): {}", connection.clientId(), code, why);
        if (connection.v5()) {
            endpoint.reject(code, connection.limits().connackReason(why));
        } else {
            endpoint.reject(code);
        }
    }

    /** A CONNECT the codec accepted but the protocol forbids: CONNACK 0x81 at 5.0, and the close (MQTT-3.1.4-1). */
    private void malformed(String why) {
        if (connection.v5()) {
            refuse(MqttConnectReturnCode.CONNECTION_REFUSED_MALFORMED_PACKET, why);
        } else {
            log.warn("client {}: malformed CONNECT ({}); closing connection", connection.clientId(), why);
            connection.closeQuietly(); // 3.1.1 has no CONNACK code for a malformed packet
        }
    }
}
