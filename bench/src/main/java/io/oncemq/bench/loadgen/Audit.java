package io.oncemq.bench.loadgen;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What each audit group (a subscriber, or a shared group) received from each publisher: every sequence
 * number counted, so the end tells lost, duplicated and out-of-order messages exactly.
 */
public final class Audit {

    private final int messages;
    private final AtomicIntegerArray[][] counts;
    private final int[][] last;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong outOfOrder = new AtomicLong();

    private final Scenario scenario;

    /** Counts per audit group; order per subscriber (a shared group's members each see an ordered subset). */
    public Audit(Scenario scenario, int groups, int subscribers, int publishers, int messages) {
        this.scenario = scenario;
        this.messages = messages;
        this.counts = new AtomicIntegerArray[groups][publishers];
        this.last = new int[subscribers][publishers];
        for (int g = 0; g < groups; g++) {
            for (int p = 0; p < publishers; p++) {
                counts[g][p] = new AtomicIntegerArray(messages + 1);
            }
        }
    }

    /** Records one reception by a subscriber; returns how many times its group has now seen it (1 = first). */
    public int receive(int subscriber, int publisher, int seq) {
        received.incrementAndGet();
        if (seq < 1 || seq > messages || publisher < 0 || publisher >= counts[0].length) {
            return 0;
        }
        int n = counts[scenario.auditGroup(subscriber)][publisher].incrementAndGet(seq);
        synchronized (last[subscriber]) {
            if (n == 1 && seq < last[subscriber][publisher]) {
                outOfOrder.incrementAndGet();
            }
            last[subscriber][publisher] = Math.max(last[subscriber][publisher], seq);
        }
        return n;
    }

    public long received() {
        return received.get();
    }

    /** Numbers sent (1..sent per publisher) that a group never got. */
    public long lost(int[] sentPerPublisher) {
        long lost = 0;
        for (int g = 0; g < counts.length; g++) {
            for (int p = 0; p < counts[g].length; p++) {
                if (!scenario.receives(g, p)) {
                    continue;
                }
                for (int s = 1; s <= sentPerPublisher[p]; s++) {
                    lost += counts[g][p].get(s) == 0 ? 1 : 0;
                }
            }
        }
        return lost;
    }

    public long duplicated() {
        long d = 0;
        for (AtomicIntegerArray[] group : counts) {
            for (AtomicIntegerArray a : group) {
                for (int s = 1; s < a.length(); s++) {
                    d += Math.max(0, a.get(s) - 1);
                }
            }
        }
        return d;
    }

    public long outOfOrder() {
        return outOfOrder.get();
    }
}
