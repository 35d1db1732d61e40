package io.oncemq.broker.session;

import io.oncemq.journal.Record;

/**
 * A will as a session keeps it until it is published or discarded (MQTT-3.1.2-7). Its properties hold
 * any Message Expiry Interval relative to publication: {@link MessageProperties#expiresAtMillis()} is the
 * interval in milliseconds here, made absolute by {@link #toMessage}.
 */
public record WillMessage(String topic, int qos, boolean retain, byte[] payload, MessageProperties properties, long delaySeconds) {

    public static WillMessage of(Record.WillStored r) {
        return new WillMessage(r.topic(), r.qos(), r.retain(), r.payload(), MessageProperties.decode(r.properties()), r.delaySeconds());
    }

    public Record.WillStored toRecord(String clientId) {
        return new Record.WillStored(clientId, topic, qos, retain, payload, properties.encode(), delaySeconds);
    }

    /** The message published now; its expiry counts from now (MQTT 5.0 §3.1.3.2.4). */
    public Message toMessage(long id, long nowMillis) {
        MessageProperties p = properties;
        if (p.expiresAtMillis() != 0) {
            p = new MessageProperties(nowMillis + p.expiresAtMillis(), p.payloadFormat(), p.contentType(), p.responseTopic(),
                    p.correlationData(), p.userProperties());
        }
        return new Message(id, topic, qos, retain, payload, p);
    }
}
