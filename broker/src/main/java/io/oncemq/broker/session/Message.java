package io.oncemq.broker.session;

import io.oncemq.journal.Record;

/**
 * An accepted application message, immutable and shared by every session it is queued for. A message
 * another node forwarded keeps that node's identity ({@code origin}, {@code originId}) next to its id here,
 * so a repeat of it is recognised wherever its sessions move (E3); {@code origin} is null for one accepted here.
 */
public record Message(long id, String topic, int qos, boolean retain, byte[] payload, MessageProperties properties,
                      String origin, long originId) {

    public Message(long id, String topic, int qos, boolean retain, byte[] payload, MessageProperties properties) {
        this(id, topic, qos, retain, payload, properties, null, id);
    }

    public Message(long id, String topic, int qos, boolean retain, byte[] payload) {
        this(id, topic, qos, retain, payload, MessageProperties.NONE);
    }

    public Record.MessageStored toRecord() {
        return new Record.MessageStored(id, topic, qos, retain, payload, properties.encode());
    }

    public static Message of(Record.MessageStored r) {
        return new Message(r.messageId(), r.topic(), r.qos(), r.retain(), r.payload(), MessageProperties.decode(r.properties()));
    }

    /** The same message under another retain flag (routing a replayed receipt must not touch retained state). */
    public Message withRetain(boolean r) {
        return new Message(id, topic, qos, r, payload, properties, origin, originId);
    }

    /** The same message stored here under {@code localId}, remembering where it was first accepted. */
    public Message storedAs(long localId, String from, long fromId) {
        return new Message(localId, topic, qos, retain, payload, properties, from, fromId);
    }

    /** The node (name and incarnation) that first accepted the message: {@code self} unless another node forwarded it. */
    public String originOr(String self) {
        return origin == null ? self : origin;
    }

    public boolean expired(long nowMillis) {
        return properties.expired(nowMillis);
    }
}
