package io.oncemq.broker.server;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.oncemq.broker.session.Message;

import java.nio.charset.StandardCharsets;

/**
 * What a client's CONNECT says about what it takes from this server: Maximum Packet Size, Request Problem
 * Information and Topic Alias Maximum (MQTT 5.0 §3.1.2.11). A 3.1.1 client says none of it: no Reason
 * Strings, no aliases, no size limit.
 */
final class ClientLimits {

    /** Fixed header, topic length, packet id and properties length of a PUBLISH at most. */
    private static final int PUBLISH_OVERHEAD = 5 + 2 + 2 + 4;
    /** Fixed header, reason code and properties length of a DISCONNECT. */
    private static final int DISCONNECT_SIZE = 2 + 1 + 1;
    /** Fixed header, flags, reason code and properties length of a CONNACK. */
    private static final int CONNACK_SIZE = 2 + 1 + 1 + 1;
    /** Fixed header, packet id, reason code and properties length of a PUBACK, PUBREC, PUBREL or PUBCOMP. */
    private static final int ACK_SIZE = 2 + 2 + 1 + 1;

    private final boolean v5;
    private final long maxPacketSize;
    /** Request Problem Information: 0 keeps Reason Strings off every packet but CONNACK and DISCONNECT. */
    private final boolean problemInformation;
    /** Aliases for topics sent to a client that accepts them, or null. */
    private final OutboundAliases aliases;

    private ClientLimits(boolean v5, long maxPacketSize, boolean problemInformation, OutboundAliases aliases) {
        this.v5 = v5;
        this.maxPacketSize = maxPacketSize;
        this.problemInformation = problemInformation;
        this.aliases = aliases;
    }

    /** The limits of a CONNECT; {@code topicAliasMaximum} is the most aliases this server keeps per connection. */
    static ClientLimits of(boolean v5, MqttProperties connect, int topicAliasMaximum) {
        if (!v5) {
            return new ClientLimits(false, Long.MAX_VALUE, false, null);
        }
        // MQTT-3.1.2-26, -27: aliases within the client's maximum, none if it allows none
        int aliasMaximum = (int) Math.min(topicAliasMaximum, Connection.intProperty(connect, MqttPropertyType.TOPIC_ALIAS_MAXIMUM, 0));
        return new ClientLimits(true, Connection.intProperty(connect, MqttPropertyType.MAXIMUM_PACKET_SIZE, Long.MAX_VALUE),
                Connection.intProperty(connect, MqttPropertyType.REQUEST_PROBLEM_INFORMATION, 1) != 0,
                aliasMaximum > 0 ? new OutboundAliases(aliasMaximum) : null);
    }

    MqttProperties connackReason(String text) {
        return reasonString(text, true, CONNACK_SIZE);
    }

    MqttProperties disconnectReason(String text) {
        return reasonString(text, true, DISCONNECT_SIZE);
    }

    /** For a PUBACK, PUBREC, PUBREL or PUBCOMP with an error reason code. */
    MqttProperties ackReason(String text) {
        return reasonString(text, false, ACK_SIZE);
    }

    /** For a SUBACK with {@code codes} reason codes. */
    MqttProperties subackReason(String text, int codes) {
        return reasonString(text, false, ACK_SIZE + codes);
    }

    /**
     * A Reason String property for a 5.0 packet of about {@code size} bytes: on CONNACK and DISCONNECT
     * always, on other packets unless the client set Request Problem Information to 0 (MQTT-3.1.2-29),
     * and never if it would make the packet bigger than the client takes (MQTT-3.1.2-25).
     */
    private MqttProperties reasonString(String text, boolean connackOrDisconnect, int size) {
        if (!v5 || (!connackOrDisconnect && !problemInformation)) {
            return MqttProperties.NO_PROPERTIES;
        }
        // property id, string length, text, and up to 3 more bytes of lengths: bounded below any limit we know
        if (size + 1 + 2 + text.length() * 3L + 3 > maxPacketSize) {
            return MqttProperties.NO_PROPERTIES;
        }
        MqttProperties props = new MqttProperties();
        props.add(new MqttProperties.StringProperty(MqttPropertyType.REASON_STRING.value(), text));
        return props;
    }

    /** Whether the client set a Maximum Packet Size: only then is {@link #fits} worth asking. */
    boolean boundsPackets() {
        return maxPacketSize != Long.MAX_VALUE;
    }

    /** Whether a PUBLISH of the message with that many Subscription Identifiers fits the client's Maximum Packet Size (MQTT-3.1.2-24). */
    boolean fits(Message m, int subscriptionIds) {
        long size = PUBLISH_OVERHEAD + m.topic().getBytes(StandardCharsets.UTF_8).length + m.payload().length
                + m.properties().encodedSize() + 5L * subscriptionIds;
        return size <= maxPacketSize;
    }

    /** Adds a Topic Alias where one is or can be assigned; returns the topic to send (empty once aliased). */
    String alias(String topic, MqttProperties props) {
        if (aliases == null) {
            return topic;
        }
        int known = aliases.known(topic);
        int alias = known > 0 ? known : aliases.assign(topic);
        if (alias > 0) {
            props.add(new MqttProperties.IntegerProperty(MqttPropertyType.TOPIC_ALIAS.value(), alias));
        }
        return known > 0 ? "" : topic;
    }
}
