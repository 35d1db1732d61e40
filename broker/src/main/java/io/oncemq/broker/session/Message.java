package io.oncemq.broker.session;

import io.oncemq.journal.Record;

/** An accepted application message, immutable and shared by every session it is queued for. */
public record Message(long id, String topic, int qos, boolean retain, byte[] payload) {

    private static final byte[] NO_PROPERTIES = new byte[0];

    public Record.MessageStored toRecord() {
        return new Record.MessageStored(id, topic, qos, retain, payload, NO_PROPERTIES);
    }

    public static Message of(Record.MessageStored r) {
        return new Message(r.messageId(), r.topic(), r.qos(), r.retain(), r.payload());
    }
}
