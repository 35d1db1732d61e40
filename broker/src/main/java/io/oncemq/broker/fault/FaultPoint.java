package io.oncemq.broker.fault;

import io.oncemq.journal.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named steps of both QoS 2 handshakes (DESIGN.md §1, §2a) where a test can halt this node's JVM as SIGKILL
 * would: no shutdown hook runs, nothing is flushed beyond what is already durable. Armed only by the JVM
 * system property {@code -Doncemq.fault=STEP} or {@code STEP:N} (halt the Nth time the step is reached);
 * unarmed, every hook is a read of the constant {@link #ARMED} and costs nothing.
 *
 * <p>Steps on the publisher's node: {@link #RECEIPT_JOURNALED}, {@link #BEFORE_PUBREC}, {@link #PUBREL_ARRIVED};
 * on the subscriber's node: {@link #FORWARD_SENT}, {@link #BEFORE_PUBREL}, {@link #PUBCOMP_ARRIVED}; on an adopter,
 * {@link #ADOPTION_TAKEN}.
 */
public enum FaultPoint {

    /** An inbound QoS 2 receipt is durable in this node's journal, its copies on the holder nodes not yet acknowledged (E2). */
    RECEIPT_JOURNALED,
    /** The receipt's batch is copied and its forwards acknowledged; PUBREC(p) not yet written to the publisher. */
    BEFORE_PUBREC,
    /** PUBREL(p) arrived from the publisher; nothing of it journaled, PUBCOMP not written. */
    PUBREL_ARRIVED,
    /**
     * On the subscriber's node: a message another node forwarded was accepted and PUBLISH(q) written to the
     * subscriber (first send, not a resend); its PUBREC(q) not yet received. Chosen over "on the origin
     * right after the forward was acknowledged" because that moment is {@link #BEFORE_PUBREC}'s already,
     * while this one tests the durable, copied (s, q) and its resend after adoption (E3).
     */
    FORWARD_SENT,
    /** On the subscriber's node: PUBREC(q) received and durable (journaled and copied); PUBREL(q) not yet written. */
    BEFORE_PUBREL,
    /** On the subscriber's node: PUBCOMP(q) arrived; nothing of it journaled. */
    PUBCOMP_ARRIVED,
    /**
     * Not a handshake step: on the adopter of a dead node, its client ids are taken over in the owners map and the
     * sessions are about to be installed from the copy, nothing of them journaled (a double failure mid-adoption).
     */
    ADOPTION_TAKEN;

    /** The JVM system property that arms one step: {@code STEP} or {@code STEP:N}. */
    public static final String PROPERTY = "oncemq.fault";
    /** Exit status of a halted node, as after SIGKILL (128 + 9). */
    public static final int HALT_STATUS = 137;
    /** What a halted node writes to its log before it halts, followed by the step's name. */
    public static final String LOG_PREFIX = "fault point reached, halting: ";

    private static final Logger log = LoggerFactory.getLogger(FaultPoint.class);
    private static final FaultPoint STEP;
    private static final int AT;
    /** Whether this JVM was started with a step armed; false in production, so the JIT drops every hook. */
    public static final boolean ARMED;
    // static on purpose: a halt ends the whole JVM, so the count is per JVM, and only a test flag sets it
    private static final AtomicInteger REACHED = new AtomicInteger();

    static {
        String spec = System.getProperty(PROPERTY, "").trim();
        FaultPoint step = null;
        int at = 1;
        if (!spec.isEmpty()) {
            int colon = spec.indexOf(':');
            step = valueOf(colon < 0 ? spec : spec.substring(0, colon)); // a misspelt step fails start-up
            at = colon < 0 ? 1 : Integer.parseInt(spec.substring(colon + 1));
            log.warn("fault point {} armed: this node halts the {}. time it is reached", step, at);
        }
        STEP = step;
        AT = at;
        ARMED = step != null;
    }

    /** Halts the JVM if this is the armed step, reached for the Nth time; {@code clientId} names whose packet it was. */
    public void reach(String clientId) {
        if (ARMED && this == STEP && REACHED.incrementAndGet() == AT) {
            log.error("{}{} (client {}, {}. time)", LOG_PREFIX, this, clientId, AT);
            Runtime.getRuntime().halt(HALT_STATUS);
        }
    }

    /** {@link #RECEIPT_JOURNALED} for a journal batch: reached once per QoS 2 receipt the batch holds. */
    public static void receiptsJournaled(List<Record> batch) {
        if (ARMED && STEP == RECEIPT_JOURNALED) {
            for (Record r : batch) {
                if (r instanceof Record.ReceiptHeld held) {
                    RECEIPT_JOURNALED.reach(held.clientId());
                }
            }
        }
    }
}
