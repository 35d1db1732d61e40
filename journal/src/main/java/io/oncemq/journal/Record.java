package io.oncemq.journal;

/**
 * One durable transition of broker state; a batch of records is the unit of a journal append.
 *
 * <p>Records are data: each has a hand-written binary codec ({@link RecordCodec}) with a version byte.
 * Only persistent sessions and the messages they reference are journaled: a clean session ends with
 * its connection, so a crash cannot lose anything it owned.
 */
public sealed interface Record {

    /** A persistent session exists (created, or its expiry interval changed). */
    record SessionOpened(String clientId, long expirySeconds) implements Record {}

    /** The session is gone with everything it held: subscriptions, queue, in-flight window, receipts. */
    record SessionEnded(String clientId) implements Record {}

    /**
     * A subscription was added or replaced. {@code options} is the MQTT 5 subscription options byte
     * (bits 0-1 maximum QoS, bit 2 No Local, bit 3 Retain As Published, bits 4-5 Retain Handling);
     * {@code identifier} its MQTT 5 Subscription Identifier, 0 for none.
     */
    record Subscribed(String clientId, String filter, int options, int identifier) implements Record {}

    /** A subscription was removed. */
    record Unsubscribed(String clientId, String filter) implements Record {}

    /**
     * An accepted message. {@code properties} is opaque to the journal (the broker's own encoding of
     * MQTT 5 properties, empty when none). The message lives as long as a queue entry, an in-flight
     * entry, a receipt or a retained topic refers to it.
     */
    record MessageStored(long messageId, String topic, int qos, boolean retain, byte[] payload, byte[] properties)
            implements Record {}

    /** The message was queued for the session at {@code qos}; a second enqueue of the same id is a no-op (E3). */
    record Enqueued(String clientId, long messageId, int qos) implements Record {}

    /** The message left the session's queue without being sent (expired, or the queue overflowed). */
    record Dequeued(String clientId, long messageId) implements Record {}

    /** Outbound {@code (s, q)}: the queued message was assigned packet id q; durable before PUBLISH(q). */
    record Sent(String clientId, int packetId, long messageId) implements Record {}

    /** Outbound PUBREC(q) received; durable before PUBREL(q). From here only PUBREL is ever resent. */
    record PubrecReceived(String clientId, int packetId) implements Record {}

    /** Outbound PUBCOMP(q) or PUBACK(q) received: q is free again. */
    record Completed(String clientId, int packetId) implements Record {}

    /** Inbound QoS 2 receipt {@code (c, p)} of a stored message; durable before PUBREC(p) (E2). */
    record ReceiptHeld(String clientId, int packetId, long messageId) implements Record {}

    /** The message of a held receipt has been queued into every matching session. */
    record Routed(long messageId) implements Record {}

    /** Inbound PUBREL(p) handled: p names a new message from now on; durable before PUBCOMP(p). */
    record ReceiptReleased(String clientId, int packetId) implements Record {}

    /** The retained message of a topic was set or replaced. */
    record RetainedSet(String topic, long messageId) implements Record {}

    /** The retained message of a topic was cleared. */
    record RetainedCleared(String topic) implements Record {}

    /** Message ids at or below this value have been used; written by snapshots so ids never repeat. */
    record MessageIdFloor(long messageId) implements Record {}

    /**
     * A kept session's will, stored with the session (MQTT-3.1.2-7) so that a restart still publishes it.
     * {@code properties} is the broker's encoding with any expiry relative to publication; the will's own
     * {@code delaySeconds} is its Will Delay Interval. Replaces an earlier will of the session.
     */
    record WillStored(String clientId, String topic, int qos, boolean retain, byte[] payload, byte[] properties,
                      long delaySeconds) implements Record {}

    /** The session's will is gone: published, or discarded by a normal DISCONNECT or a new CONNECT. */
    record WillCleared(String clientId) implements Record {}

    /**
     * A message forwarded by another node ({@code origin}: its name and data-folder incarnation) under its
     * id {@code originId} was routed here, stored under {@code messageId} (0: not stored); a retried forward
     * of the same pair is a no-op (E3), and the message keeps its identity when a session moves on.
     */
    record ForwardAccepted(String origin, long originId, long messageId) implements Record {}

    /**
     * The client id moved to this node (a claim, a hand-over, an adoption) as its {@code epoch}-th move
     * cluster-wide (E5). Outlives the session: a session ended here at epoch e is a tombstone that beats any
     * older copy another journal still holds when the whole cluster restarts.
     */
    record SessionEpoch(String clientId, long epoch) implements Record {}
}
