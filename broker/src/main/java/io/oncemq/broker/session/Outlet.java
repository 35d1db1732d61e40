package io.oncemq.broker.session;

/** The packets a session sends through the connection it is attached to; called on the session's loop. */
public interface Outlet {

    /** Whether the client reads what is sent: QoS 0 to a client that does not is dropped (back-pressure). */
    boolean draining();

    /** Whether the message fits the client's Maximum Packet Size; one that does not is dropped for it. */
    boolean fits(Message message);

    /** PUBLISH towards the client; {@code packetId} is 0 for QoS 0. */
    void publish(int packetId, Message message, int qos, boolean dup, boolean retain);

    /** PUBREL(q) towards the client. */
    void pubrel(int packetId, boolean known);

    /**
     * Whether queued messages may start new handshakes now; false while the node stops, so the handshakes in
     * flight finish and the queue waits, durable, for the client's next node.
     */
    default boolean startsHandshakes() {
        return true;
    }
}
