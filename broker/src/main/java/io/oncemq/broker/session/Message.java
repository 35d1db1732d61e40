package io.oncemq.broker.session;

import io.oncemq.journal.Record;

/** An accepted application message, immutable and shared by every session it is queued for. */
public record Message(long id, String topic, int qos, boolean retain, byte[] payload, MessageProperties properties) {

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
        return new Message(id, topic, qos, r, payload, properties);
    }

    public boolean expired(long nowMillis) {
        return properties.expired(nowMillis);
    }
}
