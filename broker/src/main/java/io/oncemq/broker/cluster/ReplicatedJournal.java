package io.oncemq.broker.cluster;

import io.oncemq.broker.fault.FaultPoint;
import io.oncemq.cluster.Membership;
import io.oncemq.cluster.NodeCalls;
import io.oncemq.journal.Durability;
import io.oncemq.journal.Journal;
import io.oncemq.journal.JournalState;
import io.oncemq.journal.Record;
import io.oncemq.journal.RecordCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This node's journal, copied to its buddy node (E2): a batch is durable once it is on this node's journal
 * and the buddy acknowledged it. Batches go to the buddy in journal order, one request in flight, later
 * batches gathered into the next request: at most one Hazelcast operation per batch. A new buddy (a member
 * joined or left) first gets the whole live state. A node alone copies nothing.
 */
public final class ReplicatedJournal implements Journal {

    private static final Logger log = LoggerFactory.getLogger(ReplicatedJournal.class);
    /** The service that keeps copies on every node ({@link Replicas}). */
    public static final String SERVICE = "replica";
    static final byte DELTA = 0;
    static final byte RESET = 1;
    private static final long RETRY_MILLIS = 100;
    private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    private record Pending(List<Record> records, Runnable onDurable) {
    }

    private final Journal local;
    private final NodeCalls calls;
    private final Membership membership;
    private final ScheduledExecutorService retries;
    private final RecordCodec codec = new RecordCodec();
    private final AtomicLong requests = new AtomicLong();
    /** Copy requests acknowledged and their total round-trip time (the replication latency the metrics show). */
    private final AtomicLong copied = new AtomicLong();
    private final AtomicLong copyNanos = new AtomicLong();
    private long sentAt;
    // guarded by this
    private final JournalState mirror = new JournalState();
    private List<Pending> pending = new ArrayList<>();
    private boolean busy;
    private String buddy;
    private long seq;
    private long lastFailureLog;
    private String lastResetTarget;

    public ReplicatedJournal(Journal local, NodeCalls calls, Membership membership) {
        this.local = local;
        this.calls = calls;
        this.membership = membership;
        local.replayed().snapshotRecords().forEach(mirror::apply);
        mirror.endOfBatch();
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "oncemq-replication");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void append(List<Record> records, Runnable onDurable) {
        local.append(records, () -> { // called in journal order
            FaultPoint.receiptsJournaled(records);
            replicate(records, onDurable);
        });
    }

    private synchronized void replicate(List<Record> records, Runnable onDurable) {
        records.forEach(mirror::apply);
        mirror.endOfBatch();
        pending.add(new Pending(records, onDurable));
        if (!busy) {
            sendPending();
        }
    }

    private synchronized void sendPending() {
        if (busy || pending.isEmpty()) {
            return; // one request at a time: the buddy applies them in order
        }
        String target = membership.buddy();
        List<Pending> batch = pending;
        pending = new ArrayList<>();
        if (target == null) {
            buddy = null;
            batch.forEach(p -> p.onDurable().run()); // a cluster of one: the journal is the only copy
            return;
        }
        boolean reset = !target.equals(buddy);
        List<Record> records = new ArrayList<>();
        if (reset) {
            records.addAll(mirror.snapshotRecords()); // includes every pending batch: the mirror has them
            if (!target.equals(lastResetTarget)) {
                log.info("journal copy: sending the whole state ({} records) to node {}", records.size(), target);
                lastResetTarget = target;
            }
        } else {
            batch.forEach(p -> records.addAll(p.records()));
        }
        codec.encode(records);
        long n = ++seq;
        ByteBuffer body = ByteBuffer.allocate(9 + codec.length()).put(reset ? RESET : DELTA).putLong(n).put(codec.buffer(), 0, codec.length());
        busy = true;
        requests.incrementAndGet();
        sentAt = System.nanoTime();
        calls.call(target, SERVICE, body.array()).whenComplete((ok, failure) -> acknowledged(target, batch, failure));
    }

    private synchronized void acknowledged(String target, List<Pending> batch, Throwable failure) {
        busy = false;
        if (failure != null) {
            long now = System.nanoTime();
            if (now - lastFailureLog > LOG_INTERVAL_NANOS) {
                lastFailureLog = now;
                log.warn("journal copy to node {} failed ({}); sending the whole state again", target, failure.toString());
            }
            buddy = null;
            batch.addAll(pending);
            pending = batch;
            retries.schedule(this::sendPending, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        buddy = target;
        copyNanos.addAndGet(System.nanoTime() - sentAt);
        copied.incrementAndGet();
        batch.forEach(p -> p.onDurable().run());
        sendPending();
    }

    /** Copy requests the buddy acknowledged so far. */
    public long copied() {
        return copied.get();
    }

    /** Total time from sending those requests to their acknowledgement, in nanoseconds. */
    public long copyNanos() {
        return copyNanos.get();
    }

    /** Copy requests sent so far (one per gathered group of journal batches). */
    public long requests() {
        return requests.get();
    }

    @Override
    public JournalState replayed() {
        return local.replayed();
    }

    @Override
    public Durability durability() {
        return local.durability();
    }

    @Override
    public void close() {
        retries.shutdownNow();
        local.close();
    }
}
