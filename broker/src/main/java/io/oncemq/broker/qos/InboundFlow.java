package io.oncemq.broker.qos;

import java.util.HashMap;
import java.util.Map;

/**
 * The broker as receiver of QoS 2 from one client (DESIGN.md §1, receiver rules): the packet ids held
 * between PUBLISH(p) and PUBREL(p). While p is held, a PUBLISH with p is answered with PUBREC and never
 * routed again (E1). Runs on the session's loop.
 */
public final class InboundFlow {

    private final Map<Integer, Long> held = new HashMap<>();
    /** held.size() for readers on other loops (gauges). */
    private volatile int heldCount;

    public boolean isHeld(int packetId) {
        return held.containsKey(packetId);
    }

    public void hold(int packetId, long messageId) {
        held.put(packetId, messageId);
        heldCount = held.size();
    }

    /** Receipts held, readable from any thread (may lag the owning loop by a turn). */
    public int heldCount() {
        return heldCount;
    }

    /** PUBREL(p): returns whether p was held; after this p names a new message. */
    public boolean release(int packetId) {
        boolean was = held.remove(packetId) != null;
        heldCount = held.size();
        return was;
    }

    public Map<Integer, Long> held() {
        return held;
    }

    public void clear() {
        held.clear();
        heldCount = 0;
    }
}
