package io.oncemq.broker.server;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.oncemq.broker.Config;
import io.oncemq.broker.Node;
import io.oncemq.broker.auth.Login;
import io.oncemq.broker.auth.TopicAccess;
import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.trace.MessageTrace;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.Outlet;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.session.SessionRegistry;
import io.oncemq.journal.Record;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.messages.MqttDisconnectMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubRelReasonCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * One client's network connection: CONNECT (let in by {@link Admission}, answered by {@link Connack}) and takeover, then each packet handed to the session's flows.
 * Runs on the event loop that accepted the socket, which owns the session while it is attached.
 */
public final class Connection implements Outlet {

    private static final Logger log = LoggerFactory.getLogger(Connection.class);
    /** 3.1.1 kept sessions and 5.0's 0xFFFFFFFF never expire. */
    private static final long NEVER = 0xFFFFFFFFL;

    private final MqttEndpoint endpoint;
    private final Node node;
    private final Config config;
    private final JournalBatcher loop;
    private final PostOffice postOffice;
    private final SessionRegistry sessions;
    private final Subscriptions subscriptions;
    private final InboundPublishes inbound;
    private final ClientSocket socket;
    private final Denials denials;
    private final Admission admission;
    private final ShutdownDrain drain;
    private final Connack connack;
    private String clientId;
    private boolean v5;
    private Session session;
    private boolean closed;
    private boolean counted;
    private ClientLimits limits;
    private TopicAccess access;
    private volatile boolean takenOver;

    public Connection(MqttEndpoint endpoint, Node node, JournalBatcher loop) {
        this.endpoint = endpoint;
        this.node = node;
        this.config = node.config();
        this.loop = loop;
        this.postOffice = node.postOffice();
        this.sessions = node.sessions();
        this.subscriptions = new Subscriptions(this, postOffice, config);
        this.inbound = new InboundPublishes(this, postOffice, config, loop);
        this.socket = new ClientSocket(endpoint, node.fence());
        this.denials = new Denials(node.access().counters(), this);
        this.admission = new Admission(this, node);
        this.drain = new ShutdownDrain(this, socket, postOffice, config);
        this.connack = new Connack(this, socket, sessions, config);
    }

    /** CONNECT received: refuse it, or claim the session (closing any earlier connection), then CONNACK. */
    public void start() {
        socket.webSocketFrames(config.maxPacketSize() + MqttVerticle.MQTT_HEADER_BYTES);
        v5 = endpoint.protocolVersion() == 5;
        clientId = endpoint.clientIdentifier();
        if (MessageTrace.ON) {
            MessageTrace.step("client {}: CONNECT from {}", clientId, endpoint.remoteAddress());
        }
        limits = ClientLimits.of(v5, endpoint.connectProperties(), config.topicAliasMaximum());
        if (!admission.wellFormed()) {
            return;
        }
        endpoint.closeHandler(v -> closed = true); // until admitted: the password check may outlast the socket
        admission.login()
                .onSuccess(this::admit)
                .onFailure(t -> {
                    log.error("client {}: password check failed; closing connection", clientId, t);
                    closeQuietly();
                });
    }

    /** The login was judged (on this loop): refuse it after a delay, or take the connection on. */
    private void admit(Login login) {
        if (closed) {
            return;
        }
        if (!login.accepted()) {
            admission.refuseLater(login);
            return;
        }
        boolean assigned = clientId == null || clientId.isEmpty();
        if (assigned) {
            // vertx-mqtt already refused an empty id with a kept 3.1.1 session (MQTT-3.1.3-8)
            clientId = "oncemq-" + UUID.randomUUID();
            endpoint.setClientIdentifier(clientId);
        }
        access = node.access().access(login.user(), clientId);
        if (!admission.opens(access)) {
            return;
        }
        counted = true;
        boolean cleanStart = endpoint.isCleanSession();
        long expiry = v5 ? intProperty(endpoint.connectProperties(), MqttPropertyType.SESSION_EXPIRY_INTERVAL, 0) : (cleanStart ? 0 : NEVER);
        installHandlers();
        connack.imposeKeepAlive();
        Connack.ConnectParams params = new Connack.ConnectParams(cleanStart, expiry, assigned);
        node.claim(clientId, loop)
                .compose(v -> sessions.attach(clientId, this, loop, Connection::closeTakenOver))
                .onSuccess(s -> connack.resume(s, params))
                .onFailure(e -> admission.unavailable(e.getMessage()));
    }

    private void installHandlers() {
        socket.guard(new PacketValidator(v5, config.topicAliasMaximum()));
        endpoint.closeHandler(v -> onClose());
        endpoint.exceptionHandler(this::onBadInput);
        endpoint.publishHandler(inbound::onPublish);
        endpoint.publishReleaseHandler(inbound::onPubrel);
        endpoint.publishAcknowledgeHandler(id -> session.outbound().onPuback(id));
        endpoint.publishReceivedMessageHandler(m -> session.outbound().onPubrec(m.messageId(), m.code() != null && m.code().isError()));
        endpoint.publishCompletionHandler(id -> session.outbound().onPubcomp(id));
        endpoint.subscribeHandler(subscriptions::subscribe);
        endpoint.unsubscribeHandler(subscriptions::unsubscribe);
        endpoint.disconnectMessageHandler(this::onDisconnect);
        endpoint.authenticationExchangeHandler(a ->
                protocolError(MqttDisconnectReasonCode.PROTOCOL_ERROR, "AUTH without an authentication method")); // MQTT-4.12.0-1
    }

    private void onDisconnect(MqttDisconnectMessage m) {
        // 5.0 reason 0x04 asks for the will; any other DISCONNECT discards it (MQTT-3.14.4-3)
        if (m.code() != MqttDisconnectReasonCode.WITH_WILL_MESSAGE && session != null) {
            session.discardWill();
        }
        if (!v5 || session == null) {
            return;
        }
        long expiry = intProperty(m.properties(), MqttPropertyType.SESSION_EXPIRY_INTERVAL, -1);
        if (expiry < 0) {
            return;
        }
        if (!session.persistent() && expiry > 0) {
            protocolError(MqttDisconnectReasonCode.PROTOCOL_ERROR, "session expiry set on DISCONNECT after 0 on CONNECT"); // MQTT 5.0 §3.14.2.2.2
            return;
        }
        if (session.persistent()) {
            loop.record(expiry == 0 ? new Record.SessionEnded(clientId) : new Record.SessionOpened(clientId, expiry));
        }
        session.persistence(expiry > 0, expiry);
    }

    private void onClose() {
        closed = true;
        if (counted) {
            node.connections().closed();
        }
        if (!takenOver && !node.stopping() && session != null) {
            session.willDue(postOffice);
        }
        if (session != null) {
            sessions.detach(session, this);
            log.info("client {} disconnected", clientId);
        }
    }

    /** Closes a session's earlier connection for a new one; anything else there (a hand-over's mark) has none to close. */
    public static void closeTakenOver(Object old) {
        if (old instanceof Connection c) {
            c.takenOver();
        }
    }

    /** Another connection claimed the client id: close this one first (E4, MQTT 5 reason 0x8E). */
    public void takenOver() {
        takenOver = true;
        loop.counters().sessionTakenOver();
        if (loop.inLoop() && session != null && endpoint.isConnected()) {
            session.willDue(postOffice);
            log.info("client {} taken over by a new connection", clientId);
            if (v5) {
                endpoint.disconnect(MqttDisconnectReasonCode.SESSION_TAKEN_OVER,
                        limits.disconnectReason("another connection took over client id " + clientId));
            }
        }
        closeQuietly();
    }

    /** The node stops: the connection drains, then closes ({@link ShutdownDrain}). */
    void serverShuttingDown() {
        drain.start();
    }

    @Override
    public boolean startsHandshakes() {
        return !drain.started();
    }

    /** The admin API closes this connection (5.0: DISCONNECT 0x98 Administrative action); its will is published. */
    public void kick() {
        if (closed) {
            return;
        }
        loop.counters().kicked();
        log.info("client {}: closed by the admin API", clientId);
        disconnect(MqttDisconnectReasonCode.ADMINISTRATIVE_ACTION, "closed by an administrator");
    }

    /** Where the client connects from, as the admin API shows it. */
    public String remoteAddress() {
        return String.valueOf(endpoint.remoteAddress());
    }

    /** MQTT 5.0 or 3.1.1, as the admin API shows it. */
    public String protocol() {
        return v5 ? "5.0" : "3.1.1";
    }

    /** The codec could not read a packet: the connection closes with 0x95 (too large) or 0x81 (malformed). */
    private void onBadInput(Throwable t) {
        if (closed) {
            return;
        }
        boolean tooLarge = t instanceof TooLongFrameException || t.getCause() instanceof TooLongFrameException;
        String message = String.valueOf(t.getMessage());
        if (t instanceof PacketValidator.Violation v) {
            protocolError(v.reason, message);
        } else if (tooLarge) {
            protocolError(MqttDisconnectReasonCode.PACKET_TOO_LARGE, "packet too large: " + message);
        } else if (message.contains("invalid publish topic name")) {
            // the codec refuses wildcards in a PUBLISH topic before we see it (MQTT-3.3.2-2)
            protocolError(MqttDisconnectReasonCode.TOPIC_NAME_INVALID, message);
        } else {
            protocolError(MqttDisconnectReasonCode.MALFORMED_PACKET, "malformed packet: " + message);
        }
    }

    /** Closes this connection for a protocol violation, with the 5.0 reason code, and one log line. */
    void protocolError(MqttDisconnectReasonCode reason, String what) {
        if (closed) {
            return;
        }
        closed = true;
        log.warn("client {}: {}; closing connection", clientId, what);
        disconnect(reason, what);
    }

    /** Closes this connection; a 5.0 client is told why first (DISCONNECT with the reason code and string). */
    void disconnect(MqttDisconnectReasonCode reason, String why) {
        if (v5 && endpoint.isConnected()) {
            endpoint.disconnect(reason, limits.disconnectReason(why));
        }
        closeQuietly();
    }

    void closeQuietly() {
        try {
            endpoint.close();
        } catch (IllegalArgumentException alreadyClosed) {
            // the socket went first: nothing left to close
        }
    }

    /** Writes an acknowledgement if the socket is still open; a closed one gets it on reconnect. */
    void ack(Runnable write) {
        if (!closed && endpoint.isConnected()) {
            write.run();
        }
    }

    @Override
    public boolean draining() {
        return !socket.full();
    }

    @Override
    public boolean fits(Message m) {
        return !limits.boundsPackets() || limits.fits(m, session.subscriptionIdentifiers(m.topic()).size());
    }

    @Override
    public void publish(int packetId, Message m, int qos, boolean dup, boolean retain) {
        ack(() -> {
            String topic = m.topic();
            MqttProperties props = MqttProperties.NO_PROPERTIES;
            if (v5) {
                props = m.properties().toMqtt(System.currentTimeMillis(), session.subscriptionIdentifiers(m.topic()));
                topic = limits.alias(topic, props);
            }
            loop.counters().messageOut(qos, m.payload().length);
            if (!socket.publish(topic, m.payload(), qos, dup, retain, packetId, props)) {
                endpoint.publish(topic, Buffer.buffer(m.payload()), MqttQoS.valueOf(qos), dup, retain, packetId, props);
            }
        });
    }

    @Override
    public void pubrel(int packetId, boolean known) {
        ack(() -> {
            if (v5 && !known) {
                endpoint.publishRelease(packetId, MqttPubRelReasonCode.PACKET_IDENTIFIER_NOT_FOUND,
                        limits.ackReason("no PUBLISH in flight with packet id " + packetId));
            } else {
                endpoint.publishRelease(packetId);
            }
        });
    }

    /** What the client takes from this server (Reason Strings, packet size, aliases). */
    ClientLimits limits() {
        return limits;
    }

    String clientId() {
        return clientId;
    }

    Denials denials() {
        return denials;
    }

    boolean v5() {
        return v5;
    }

    Session session() {
        return session;
    }

    /** The session is claimed and resumed ({@link Connack}): from now on the packets go to it. */
    void session(Session s) {
        session = s;
    }

    TopicAccess access() {
        return access;
    }

    MqttEndpoint endpoint() {
        return endpoint;
    }

    JournalBatcher loop() {
        return loop;
    }

    boolean closed() {
        return closed;
    }

    static long intProperty(MqttProperties props, MqttPropertyType type, long fallback) {
        if (props == null) {
            return fallback;
        }
        MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
        return p == null ? fallback : Integer.toUnsignedLong((Integer) p.value());
    }
}
