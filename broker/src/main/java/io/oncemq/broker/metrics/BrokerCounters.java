package io.oncemq.broker.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * What one node counted since it started, bumped on the hot path without allocation (LongAdders, read by
 * the metrics endpoint through function counters; STYLE: no per-message meters or tags).
 */
public final class BrokerCounters {

    private final LongAdder[] messagesIn = {new LongAdder(), new LongAdder(), new LongAdder()};
    private final LongAdder[] messagesOut = {new LongAdder(), new LongAdder(), new LongAdder()};
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder duplicatesSuppressed = new LongAdder();
    private final LongAdder publishResends = new LongAdder();
    private final LongAdder pubrelResends = new LongAdder();
    private final LongAdder receiptsRerouted = new LongAdder();
    private final LongAdder sessionsTakenOver = new LongAdder();
    private final LongAdder sessionsTakenFromNodes = new LongAdder();
    private final LongAdder failovers = new LongAdder();
    private final LongAdder droppedSlowReader = new LongAdder();
    private final LongAdder droppedExpired = new LongAdder();
    private final LongAdder droppedTooLarge = new LongAdder();
    private final LongAdder kicked = new LongAdder();
    private final LongAdder journalAppends = new LongAdder();
    private final LongAdder journalAppendNanos = new LongAdder();

    /** A PUBLISH accepted from a client at this QoS with this many payload bytes. */
    public void messageIn(int qos, int bytes) {
        messagesIn[qos].increment();
        bytesIn.add(bytes);
    }

    /** A PUBLISH written to a client (resends included). */
    public void messageOut(int qos, int bytes) {
        messagesOut[qos].increment();
        bytesOut.add(bytes);
    }

    /** A QoS 2 PUBLISH whose packet id was still held: acknowledged again, not routed (E1). */
    public void duplicateSuppressed() {
        duplicatesSuppressed.increment();
    }

    /** An unacknowledged PUBLISH sent again (DUP=1) on a session's reconnect. */
    public void publishResent() {
        publishResends.increment();
    }

    /** A PUBREL sent again on a session's reconnect. */
    public void pubrelResent() {
        pubrelResends.increment();
    }

    /** Receipts of a dead node that this node routed again when it adopted the node's copy. */
    public void receiptsRerouted(int n) {
        receiptsRerouted.add(n);
    }

    /** A connection closed because a new one claimed its client id, on this node or another (E4). */
    public void sessionTakenOver() {
        sessionsTakenOver.increment();
    }

    /** A session installed here from another node (hand-over or from a dead node's copy). */
    public void sessionTakenFromNode() {
        sessionsTakenFromNodes.increment();
    }

    /** A dead node's copy adopted by this node (E2). */
    public void failover() {
        failovers.increment();
    }

    /** A QoS 0 message not sent to a client whose socket does not drain. */
    public void dropSlowReader() {
        droppedSlowReader.increment();
    }

    /** A message whose Message Expiry passed while it waited. */
    public void dropExpired() {
        droppedExpired.increment();
    }

    /** A message bigger than the client's Maximum Packet Size. */
    public void dropTooLarge() {
        droppedTooLarge.increment();
    }

    /** A client closed through the admin API. */
    public void kicked() {
        kicked.increment();
    }

    /** One event loop's batch appended and durable (copied too, in a cluster) this long after it was flushed. */
    public void journalAppended(long nanos) {
        journalAppends.increment();
        journalAppendNanos.add(nanos);
    }

    public long journalAppends() {
        return journalAppends.sum();
    }

    public long journalAppendNanos() {
        return journalAppendNanos.sum();
    }

    public long messagesIn(int qos) {
        return messagesIn[qos].sum();
    }

    public long messagesOut(int qos) {
        return messagesOut[qos].sum();
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    public long bytesOut() {
        return bytesOut.sum();
    }

    public long duplicatesSuppressed() {
        return duplicatesSuppressed.sum();
    }

    public long publishResends() {
        return publishResends.sum();
    }

    public long pubrelResends() {
        return pubrelResends.sum();
    }

    public long receiptsRerouted() {
        return receiptsRerouted.sum();
    }

    public long sessionsTakenOver() {
        return sessionsTakenOver.sum();
    }

    public long sessionsTakenFromNodes() {
        return sessionsTakenFromNodes.sum();
    }

    public long failovers() {
        return failovers.sum();
    }

    public long droppedSlowReader() {
        return droppedSlowReader.sum();
    }

    public long droppedExpired() {
        return droppedExpired.sum();
    }

    public long droppedTooLarge() {
        return droppedTooLarge.sum();
    }

    public long kicks() {
        return kicked.sum();
    }
}
