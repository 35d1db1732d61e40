package io.oncemq.broker.server;

import java.util.concurrent.atomic.AtomicInteger;

/** Open MQTT connections on this node, bounded by {@code max-connections}. */
public final class ConnectionCount {

    private final AtomicInteger open = new AtomicInteger();
    private final int max;

    public ConnectionCount(int max) {
        this.max = max;
    }

    /** Takes a place for a new connection; false when the node is full. */
    public boolean tryOpen() {
        while (true) {
            int n = open.get();
            if (n >= max) {
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    public void closed() {
        open.decrementAndGet();
    }

    public int open() {
        return open.get();
    }
}
