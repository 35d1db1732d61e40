package io.oncemq.broker.server;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.oncemq.broker.Config;
import io.oncemq.broker.fault.FaultPoint;
import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.MessageProperties;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.topic.Topics;
import io.oncemq.broker.trace.MessageTrace;
import io.oncemq.journal.Record;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubCompReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubRecReasonCode;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * PUBLISH and PUBREL from one client: the broker as receiver (DESIGN.md §1). Validates what the codec
 * does not (topic, limits, Receive Maximum, payload format; aliases are PacketValidator's), records, then acknowledges.
 */
final class InboundPublishes {

    private final Connection connection;
    private final PostOffice postOffice;
    private final Config config;
    private final JournalBatcher loop;
    /** QoS 1 PUBLISHes whose PUBACK is not yet sent; with held QoS 2 receipts, bounded by Receive Maximum. */
    private int unackedQos1;

    InboundPublishes(Connection connection, PostOffice postOffice, Config config, JournalBatcher loop) {
        this.connection = connection;
        this.postOffice = postOffice;
        this.config = config;
        this.loop = loop;
    }

    void onPublish(MqttPublishMessage p) {
        Session session = connection.session();
        String topic = p.topicName();
        int qos = p.qosLevel().value();
        int packetId = p.messageId();
        if (!Topics.isValidName(topic)) {
            connection.protocolError(MqttDisconnectReasonCode.TOPIC_NAME_INVALID, "invalid topic name in PUBLISH: '" + topic + "'");
            return;
        }
        if (!Topics.withinLimits(topic, config.maxTopicLength(), config.maxTopicLevels())) {
            connection.protocolError(MqttDisconnectReasonCode.TOPIC_NAME_INVALID, "topic name over the configured length or levels");
            return;
        }
        MqttProperties props = p.properties();
        if (connection.v5() && wildcardResponseTopic(props)) {
            connection.protocolError(MqttDisconnectReasonCode.PROTOCOL_ERROR, "wildcard in Response Topic"); // MQTT-3.3.2-14
            return;
        }
        if (qos == 2 && session.inbound().isHeld(packetId)) {
            // E1: p is held until PUBREL: acknowledge again, never route twice (MQTT-4.3.3-10)
            loop.counters().duplicateSuppressed();
            if (MessageTrace.ON) {
                MessageTrace.step("client {}: PUBLISH pid {} held already: repeat, not routed", session.clientId(), packetId);
            }
            loop.then(() -> connection.ack(() -> connection.endpoint().publishReceived(packetId)));
            return;
        }
        if (!session.access().mayWrite(topic)) {
            refuseUnauthorized(topic, qos, packetId);
            return;
        }
        if (qos > 0 && unackedQos1 + session.inbound().held().size() >= config.receiveMaximum()) {
            connection.protocolError(MqttDisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED,
                    "more than Receive Maximum " + config.receiveMaximum() + " unacknowledged PUBLISHes"); // MQTT-3.3.4-9
            return;
        }
        byte[] payload = p.payload().getBytes();
        loop.counters().messageIn(qos, payload.length);
        MessageProperties properties = connection.v5() ? MessageProperties.from(props, System.currentTimeMillis()) : MessageProperties.NONE;
        if (properties.payloadFormat() == 1 && !isUtf8(payload)) {
            refuseInvalidPayload(qos, packetId); // MQTT-3.3.2-4: 0x99
            return;
        }
        Message m = new Message(postOffice.nextMessageId(), topic, qos, p.isRetain(), payload, properties);
        List<Record> receipt = List.of();
        if (qos == 2) {
            session.inbound().hold(packetId, m.id());
            if (session.persistent()) {
                receipt = List.of(new Record.ReceiptHeld(session.clientId(), packetId, m.id()));
            }
        } else if (qos == 1) {
            unackedQos1++;
        }
        String clientId = session.clientId();
        PostOffice.Routing routing = postOffice.route(m, clientId, loop, receipt);
        if (MessageTrace.ON) {
            MessageTrace.step("client " + clientId + ": PUBLISH pid " + packetId + " routed, forwarded " + routing.forwarded(), m);
        }
        boolean journaled = !receipt.isEmpty();
        if (journaled && !routing.forwarded()) {
            loop.record(new Record.Routed(m.id()));
        }
        // E2: PUBACK/PUBREC and the hand-over to subscribers wait for the batch holding the message and for
        // the other nodes to hold their copies; until then a replay routes and forwards the receipt again
        loop.then(() -> {
            if (journaled && routing.forwarded()) {
                loop.record(new Record.Routed(m.id())); // lazily: the local routes and the forwards are durable
            }
            if (qos == 1) {
                unackedQos1--;
                connection.ack(() -> connection.endpoint().publishAcknowledge(packetId));
            } else if (qos == 2) {
                FaultPoint.BEFORE_PUBREC.reach(clientId);
                connection.ack(() -> connection.endpoint().publishReceived(packetId));
            }
            postOffice.dispatch(m, routing.targets());
        });
    }

    /** PUBREL(p): the release is durable before PUBCOMP, or a crash would swallow the client's next message with p. */
    void onPubrel(int packetId) {
        Session session = connection.session();
        FaultPoint.PUBREL_ARRIVED.reach(session.clientId());
        boolean held = session.inbound().release(packetId);
        if (held && session.persistent()) {
            loop.record(new Record.ReceiptReleased(session.clientId(), packetId));
        }
        loop.then(() -> connection.ack(() -> {
            if (connection.v5() && !held) {
                connection.endpoint().publishComplete(packetId, MqttPubCompReasonCode.PACKET_IDENTIFIER_NOT_FOUND,
                        connection.limits().ackReason("no QoS 2 PUBLISH held with packet id " + packetId));
            } else {
                connection.endpoint().publishComplete(packetId);
            }
        }));
    }

    private static boolean wildcardResponseTopic(MqttProperties props) {
        MqttProperties.MqttProperty<?> p = props == null ? null : props.getProperty(MqttPropertyType.RESPONSE_TOPIC.value());
        return p != null && !Topics.isValidName((String) p.value());
    }

    private void refuseInvalidPayload(int qos, int packetId) {
        String why = "payload is not the UTF-8 its format indicator says";
        if (qos == 0) {
            connection.protocolError(MqttDisconnectReasonCode.PAYLOAD_FORMAT_INVALID, why);
            return;
        }
        MqttProperties reason = connection.limits().ackReason(why);
        if (qos == 1) {
            loop.then(() -> connection.ack(() -> connection.endpoint().publishAcknowledge(packetId,
                    MqttPubAckReasonCode.PAYLOAD_FORMAT_INVALID, reason)));
        } else {
            loop.then(() -> connection.ack(() -> connection.endpoint().publishReceived(packetId,
                    MqttPubRecReasonCode.PAYLOAD_FORMAT_INVALID, reason)));
        }
    }

    /** A PUBLISH the ACL denies is dropped; 5.0 says so with 0x87 in PUBACK/PUBREC, 3.1.1 acknowledges as usual. */
    private void refuseUnauthorized(String topic, int qos, int packetId) {
        connection.denials().publish(topic);
        if (qos == 0) {
            return;
        }
        MqttProperties reason = connection.limits().ackReason("not authorized to publish to " + topic);
        loop.then(() -> connection.ack(() -> {
            if (!connection.v5()) {
                // 3.1.1 has no refusal: PUBACK, or PUBREC whose PUBREL finds nothing held and still gets PUBCOMP
                if (qos == 1) {
                    connection.endpoint().publishAcknowledge(packetId);
                } else {
                    connection.endpoint().publishReceived(packetId);
                }
            } else if (qos == 1) {
                connection.endpoint().publishAcknowledge(packetId, MqttPubAckReasonCode.NOT_AUTHORIZED, reason);
            } else {
                connection.endpoint().publishReceived(packetId, MqttPubRecReasonCode.NOT_AUTHORIZED, reason);
            }
        }));
    }

    static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
