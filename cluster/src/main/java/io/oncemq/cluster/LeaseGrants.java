package io.oncemq.cluster;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When this node last told each other node "you are a member" ({@link FenceProbe}): each such answer may let
 * that node serve for up to {@link Fence#LEASE_MILLIS} more, so whoever adopts it must wait that out (E4).
 */
final class LeaseGrants {

    /** Where {@link Fence#configure} keeps this node's grants: a probe running on a Hazelcast thread finds them there. */
    static final String KEY = "oncemq.lease-grants";

    /** System.nanoTime() of the last "yes" per node name. */
    private final Map<String, Long> lastYes = new ConcurrentHashMap<>();

    void granted(String node) {
        lastYes.put(node, System.nanoTime());
    }

    /** Nanoseconds since this node last confirmed {@code node}; Long.MAX_VALUE if never. */
    long nanosSince(String node) {
        Long at = lastYes.get(node);
        return at == null ? Long.MAX_VALUE : System.nanoTime() - at;
    }
}
