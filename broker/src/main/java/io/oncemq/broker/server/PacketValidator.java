package io.oncemq.broker.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.util.ReferenceCountUtil;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubCompReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubRecReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubRelReasonCode;

import java.util.HashSet;
import java.util.Set;

/**
 * Checks what the codec lets through and vertx-mqtt would mishandle (throw, or ignore without closing):
 * a second CONNECT, packet types only a server sends, reserved fixed-header flags, unknown reason codes,
 * SUBSCRIBE or UNSUBSCRIBE without a filter, reserved bits in a 3.1.1 requested QoS byte, Topic Alias 0 or
 * one never set on this connection.
 * A violation is reported as a {@link Violation}, so the connection closes with its reason code.
 */
final class PacketValidator extends ChannelInboundHandlerAdapter {

    /** A packet the codec read but the protocol forbids; {@code reason} is the 5.0 DISCONNECT reason code. */
    static final class Violation extends DecoderException {
        final MqttDisconnectReasonCode reason;

        Violation(MqttDisconnectReasonCode reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    /** Whether the connection speaks 5.0, where the SUBSCRIBE option bits 2-5 have a meaning. */
    private final boolean v5;
    /** The Topic Alias Maximum this server announced in CONNACK. */
    private final int topicAliasMaximum;

    PacketValidator(boolean v5, int topicAliasMaximum) {
        this.v5 = v5;
        this.topicAliasMaximum = topicAliasMaximum;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttMessage m && m.decoderResult().isSuccess()) {
            Violation problem = problem(m);
            if (problem != null) {
                ReferenceCountUtil.release(msg);
                ctx.fireExceptionCaught(problem);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** Topic aliases this client has set on this connection: vertx-mqtt closes without DISCONNECT on a bad one. */
    private final Set<Integer> aliases = new HashSet<>();

    private Violation problem(MqttMessage m) {
        MqttMessageType type = m.fixedHeader().messageType();
        switch (type) {
            case PUBLISH:
                return m instanceof MqttPublishMessage p ? alias(p) : null;
            case CONNECT:
                // this handler sits behind an accepted CONNECT: a second one is a protocol error (MQTT-3.1.0-2)
                return new Violation(MqttDisconnectReasonCode.PROTOCOL_ERROR, "a second CONNECT");
            case CONNACK, SUBACK, UNSUBACK, PINGRESP:
                return new Violation(MqttDisconnectReasonCode.PROTOCOL_ERROR, "a client may not send " + type);
            case PUBREL, SUBSCRIBE, UNSUBSCRIBE:
                // reserved flags 0010 (MQTT-3.6.1-1, 3.8.1-1, 3.10.1-1)
                if (m.fixedHeader().qosLevel() != MqttQoS.AT_LEAST_ONCE || m.fixedHeader().isDup() || m.fixedHeader().isRetain()) {
                    return malformed("reserved flags of " + type + " are not 0010");
                }
                if (type == MqttMessageType.SUBSCRIBE) {
                    return subscribePayload((MqttSubscribeMessage) m);
                }
                if (type == MqttMessageType.UNSUBSCRIBE && ((MqttUnsubscribeMessage) m).payload().topics().isEmpty()) {
                    return new Violation(MqttDisconnectReasonCode.PROTOCOL_ERROR, "UNSUBSCRIBE without topic filters"); // MQTT-3.10.3-2
                }
                return type == MqttMessageType.PUBREL ? reasonCode(m, type) : null;
            case PUBACK, PUBREC, PUBCOMP, DISCONNECT:
                return reasonCode(m, type);
            default:
                return null;
        }
    }

    /** At least one filter (MQTT-3.8.3-3); at 3.1.1 the option byte holds the QoS only (MQTT-3.8.3-4). */
    private Violation subscribePayload(MqttSubscribeMessage m) {
        if (m.payload().topicSubscriptions().isEmpty()) {
            return new Violation(MqttDisconnectReasonCode.PROTOCOL_ERROR, "SUBSCRIBE without topic filters");
        }
        if (v5) {
            return null;
        }
        for (MqttTopicSubscription sub : m.payload().topicSubscriptions()) {
            MqttSubscriptionOption o = sub.option();
            // the codec reads bits 2-5 as 5.0 options whatever the version, and drops bits 6-7 unseen
            if (o.isNoLocal() || o.isRetainAsPublished() || o.retainHandling() != MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE) {
                return malformed("reserved bits set in the requested QoS byte of " + sub.topicFilter());
            }
        }
        return null;
    }

    /**
     * Alias 0 or one above our Topic Alias Maximum is invalid (MQTT-3.3.2-8, -9); an alias is known only once
     * set on this connection (MQTT-3.3.2-7).
     */
    private Violation alias(MqttPublishMessage p) {
        MqttProperties props = p.variableHeader().properties();
        MqttProperties.MqttProperty<?> alias = props == null ? null : props.getProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS.value());
        if (alias == null) {
            return null;
        }
        int value = (Integer) alias.value();
        if (value == 0) {
            return new Violation(MqttDisconnectReasonCode.TOPIC_ALIAS_INVALID, "topic alias 0");
        }
        if (value > topicAliasMaximum) {
            return new Violation(MqttDisconnectReasonCode.TOPIC_ALIAS_INVALID, "topic alias above the maximum " + topicAliasMaximum);
        }
        if (!p.variableHeader().topicName().isEmpty()) {
            aliases.add(value);
            return null;
        }
        return aliases.contains(value) ? null : new Violation(MqttDisconnectReasonCode.PROTOCOL_ERROR, "topic alias " + value + " not set on this connection");
    }

    private static Violation malformed(String what) {
        return new Violation(MqttDisconnectReasonCode.MALFORMED_PACKET, what);
    }

    private static Violation reasonCode(MqttMessage m, MqttMessageType type) {
        Object header = m.variableHeader();
        byte code;
        if (header instanceof MqttPubReplyMessageVariableHeader v) {
            code = v.reasonCode();
        } else if (header instanceof MqttReasonCodeAndPropertiesVariableHeader v) {
            code = v.reasonCode();
        } else {
            return null;
        }
        try {
            switch (type) {
                case PUBACK -> MqttPubAckReasonCode.valueOf(code);
                case PUBREC -> MqttPubRecReasonCode.valueOf(code);
                case PUBREL -> MqttPubRelReasonCode.valueOf(code);
                case PUBCOMP -> MqttPubCompReasonCode.valueOf(code);
                default -> MqttDisconnectReasonCode.valueOf(code);
            }
            return null;
        } catch (IllegalArgumentException e) {
            return malformed("unknown " + type + " reason code " + (code & 0xFF));
        }
    }
}
