package io.oncemq.broker.server;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.oncemq.broker.Node;
import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.Outlet;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.session.SessionRegistry;
import io.oncemq.broker.topic.Topics;
import io.oncemq.journal.Record;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttWill;
import io.vertx.mqtt.messages.MqttDisconnectMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;

/**
 * One client's network connection: CONNECT and takeover, then each packet handed to the session's flows.
 * Runs on the event loop that accepted the socket, which owns the session while it is attached.
 */
public final class Connection implements Outlet {

    private static final Logger log = LoggerFactory.getLogger(Connection.class);
    /** 3.1.1 kept sessions and 5.0's 0xFFFFFFFF never expire. */
    private static final long NEVER = 0xFFFFFFFFL;

    private final MqttEndpoint endpoint;
    private final Node node;
    private final JournalBatcher loop;
    private final PostOffice postOffice;
    private final SessionRegistry sessions;
    private final Subscriptions subscriptions;
    private String clientId;
    private boolean v5;
    private Session session;
    private boolean closed;
    private boolean willDone;
    private volatile boolean takenOver;

    public Connection(MqttEndpoint endpoint, Node node, JournalBatcher loop) {
        this.endpoint = endpoint;
        this.node = node;
        this.loop = loop;
        this.postOffice = node.postOffice();
        this.sessions = node.sessions();
        this.subscriptions = new Subscriptions(this, postOffice);
    }

    /** CONNECT received: claim the session (closing any earlier connection), then CONNACK. */
    public void start() {
        v5 = endpoint.protocolVersion() == 5;
        clientId = endpoint.clientIdentifier();
        boolean assigned = clientId == null || clientId.isEmpty();
        if (assigned) {
            // vertx-mqtt already refused an empty id with a kept 3.1.1 session (MQTT-3.1.3-8)
            clientId = "oncemq-" + UUID.randomUUID();
            endpoint.setClientIdentifier(clientId);
        }
        boolean cleanStart = endpoint.isCleanSession();
        long expiry = v5 ? intProperty(endpoint.connectProperties(), MqttPropertyType.SESSION_EXPIRY_INTERVAL, 0)
                : (cleanStart ? 0 : NEVER);
        ConnectParams params = new ConnectParams(cleanStart, expiry, assigned);
        installHandlers();
        sessions.attach(clientId, this, loop, old -> ((Connection) old).takenOver())
                .onSuccess(s -> resume(s, params));
    }

    private record ConnectParams(boolean cleanStart, long expiry, boolean assignedId) {
    }

    private void installHandlers() {
        endpoint.closeHandler(v -> onClose());
        endpoint.exceptionHandler(t -> log.debug("client {}: {}", clientId, t.toString()));
        endpoint.publishHandler(m -> onPublish(m.topicName(), m.qosLevel().value(), m.messageId(), m.isRetain(),
                m.payload().getBytes()));
        endpoint.publishReleaseHandler(this::onPubrel);
        endpoint.publishAcknowledgeHandler(id -> session.outbound().onPuback(id));
        endpoint.publishReceivedHandler(id -> session.outbound().onPubrec(id));
        endpoint.publishCompletionHandler(id -> session.outbound().onPubcomp(id));
        endpoint.subscribeHandler(subscriptions::subscribe);
        endpoint.unsubscribeHandler(subscriptions::unsubscribe);
        endpoint.disconnectMessageHandler(this::onDisconnect);
    }

    private void resume(Session s, ConnectParams p) {
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
        session = s;
        if (v5) {
            long receiveMax = intProperty(endpoint.connectProperties(), MqttPropertyType.RECEIVE_MAXIMUM, 65535);
            s.outbound().clientReceiveMaximum((int) receiveMax);
        }
        if (closed) {
            sessions.detach(s, this);
            return;
        }
        loop.then(() -> {
            if (closed || s.connection() != this) {
                return;
            }
            endpoint.accept(present, connackProperties(p));
            s.outlet(this);
            log.info("client {} connected (MQTT {}, {} session{})", clientId, v5 ? "5.0" : "3.1.1",
                    persistent ? "kept" : "clean", present ? ", resumed" : "");
            s.outbound().resend();
        });
    }

    private MqttProperties connackProperties(ConnectParams p) {
        MqttProperties props = new MqttProperties();
        if (!v5) {
            return props;
        }
        if (p.assignedId()) {
            props.add(new MqttProperties.StringProperty(MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER.value(), clientId));
        }
        // not offered yet (see README): the client must not use them
        props.add(new MqttProperties.IntegerProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER_AVAILABLE.value(), 0));
        props.add(new MqttProperties.IntegerProperty(MqttPropertyType.SHARED_SUBSCRIPTION_AVAILABLE.value(), 0));
        props.add(new MqttProperties.IntegerProperty(MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), node.config().maxPacketSize()));
        return props;
    }

    private void onPublish(String topic, int qos, int packetId, boolean retain, byte[] payload) {
        if (!Topics.isValidName(topic)) {
            protocolError(MqttDisconnectReasonCode.TOPIC_NAME_INVALID, "invalid topic name in PUBLISH: '" + topic + "'");
            return;
        }
        if (qos == 2 && session.inbound().isHeld(packetId)) {
            // E1: p is held until PUBREL: acknowledge again, never route twice (MQTT-4.3.3-10)
            loop.then(() -> pubrec(packetId));
            return;
        }
        Message m = new Message(postOffice.nextMessageId(), topic, qos, retain, payload);
        List<Record> receipt = List.of();
        if (qos == 2) {
            session.inbound().hold(packetId, m.id());
            if (session.persistent()) {
                receipt = List.of(new Record.ReceiptHeld(clientId, packetId, m.id()));
            }
        }
        List<PostOffice.Target> targets = postOffice.route(m, loop, receipt);
        if (!receipt.isEmpty()) {
            loop.record(new Record.Routed(m.id()));
        }
        // E2: PUBACK/PUBREC and the hand-over to subscribers wait for the batch holding the message
        loop.then(() -> {
            if (qos == 1) {
                ack(() -> endpoint.publishAcknowledge(packetId));
            } else if (qos == 2) {
                pubrec(packetId);
            }
            postOffice.dispatch(m, targets);
        });
    }

    private void onPubrel(int packetId) {
        boolean held = session.inbound().release(packetId);
        if (held && session.persistent()) {
            loop.record(new Record.ReceiptReleased(clientId, packetId));
        }
        // the release is durable before PUBCOMP, or a crash would swallow the client's next message with p
        loop.then(() -> ack(() -> {
            if (v5 && !held) {
                endpoint.publishComplete(packetId,
                        io.vertx.mqtt.messages.codes.MqttPubCompReasonCode.PACKET_IDENTIFIER_NOT_FOUND, MqttProperties.NO_PROPERTIES);
            } else {
                endpoint.publishComplete(packetId);
            }
        }));
    }

    private void pubrec(int packetId) {
        ack(() -> endpoint.publishReceived(packetId));
    }

    private void onDisconnect(MqttDisconnectMessage m) {
        // 5.0 reason 0x04 asks for the will; any other DISCONNECT discards it (MQTT-3.14.4-3)
        willDone = m.code() != MqttDisconnectReasonCode.WITH_WILL_MESSAGE;
        if (v5 && session != null) {
            long expiry = intProperty(m.properties(), MqttPropertyType.SESSION_EXPIRY_INTERVAL, -1);
            if (expiry >= 0) {
                if (!session.persistent() && expiry > 0) {
                    protocolError(MqttDisconnectReasonCode.PROTOCOL_ERROR, "session expiry set on DISCONNECT after 0 on CONNECT");
                    return;
                }
                if (session.persistent() && expiry == 0) {
                    loop.record(new Record.SessionEnded(clientId));
                } else if (session.persistent()) {
                    loop.record(new Record.SessionOpened(clientId, expiry));
                }
                session.persistence(expiry > 0, expiry);
            }
        }
    }

    private void onClose() {
        closed = true;
        if (!takenOver && !node.stopping()) {
            publishWill();
        }
        if (session != null) {
            sessions.detach(session, this);
            log.info("client {} disconnected", clientId);
        }
    }

    /** Another connection claimed the client id: close this one first (E4, MQTT 5 reason 0x8E). */
    private void takenOver() {
        takenOver = true;
        if (loop.inLoop() && session != null && endpoint.isConnected()) {
            publishWill();
            log.info("client {} taken over by a new connection", clientId);
            if (v5) {
                endpoint.disconnect(MqttDisconnectReasonCode.SESSION_TAKEN_OVER, MqttProperties.NO_PROPERTIES);
            }
        }
        closeQuietly();
    }

    private void publishWill() {
        MqttWill will = endpoint.will();
        if (willDone || will == null || !will.isWillFlag() || session == null) {
            return;
        }
        willDone = true;
        if (!Topics.isValidName(will.getWillTopic())) {
            return;
        }
        byte[] payload = will.getWillMessage() == null ? new byte[0] : will.getWillMessage().getBytes();
        Message m = new Message(postOffice.nextMessageId(), will.getWillTopic(), will.getWillQos(), will.isWillRetain(), payload);
        List<PostOffice.Target> targets = postOffice.route(m, loop, List.of());
        loop.then(() -> postOffice.dispatch(m, targets));
        log.info("client {}: will published on {}", clientId, m.topic());
    }

    /** Closes this connection for a protocol violation, with the 5.0 reason code, and one log line. */
    void protocolError(MqttDisconnectReasonCode reason, String what) {
        log.warn("client {}: {}; closing connection", clientId, what);
        if (v5 && endpoint.isConnected()) {
            endpoint.disconnect(reason, MqttProperties.NO_PROPERTIES);
        }
        closeQuietly();
    }

    private void closeQuietly() {
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
    public void publish(int packetId, Message m, int qos, boolean dup, boolean retain) {
        ack(() -> endpoint.publish(m.topic(), Buffer.buffer(m.payload()), MqttQoS.valueOf(qos), dup, retain, packetId));
    }

    @Override
    public void pubrel(int packetId, boolean known) {
        ack(() -> {
            if (v5 && !known) {
                endpoint.publishRelease(packetId, io.vertx.mqtt.messages.codes.MqttPubRelReasonCode.PACKET_IDENTIFIER_NOT_FOUND,
                        MqttProperties.NO_PROPERTIES);
            } else {
                endpoint.publishRelease(packetId);
            }
        });
    }

    String clientId() {
        return clientId;
    }

    boolean v5() {
        return v5;
    }

    Session session() {
        return session;
    }

    MqttEndpoint endpoint() {
        return endpoint;
    }

    JournalBatcher loop() {
        return loop;
    }

    private static long intProperty(MqttProperties props, MqttPropertyType type, long fallback) {
        if (props == null) {
            return fallback;
        }
        MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
        return p == null ? fallback : Integer.toUnsignedLong((Integer) p.value());
    }
}
