package io.oncemq.broker.cluster;

import io.oncemq.broker.fault.FaultPoint;
import io.oncemq.cluster.Membership;
import io.oncemq.cluster.NodeCalls;
import io.oncemq.cluster.Owners;
import io.oncemq.journal.Durability;
import io.oncemq.journal.Journal;
import io.oncemq.journal.JournalState;
import io.oncemq.journal.Record;
import io.oncemq.journal.RecordCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This node's journal, copied to its copy holders (E2): the {@code backup-count} nodes after this one in the ring
 * ({@link Membership#copyHolders}). A batch is durable once it is on this node's journal and every holder
 * acknowledged it. Batches go out in journal order, one round of requests in flight, later batches gathered into
 * the next round: at most one Hazelcast operation per holder and batch. A new holder (a member joined or left), or
 * any holder after a failed round, first gets the whole live state. A node alone copies nothing.
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
    /** Copy rounds every holder acknowledged and their total round-trip time (the replication latency the metrics show). */
    private final AtomicLong copied = new AtomicLong();
    private final AtomicLong copyNanos = new AtomicLong();
    private long sentAt;
    // guarded by this
    private final JournalState mirror = new JournalState();
    private List<Pending> pending = new ArrayList<>();
    private boolean busy;
    /** The holders that acknowledged every round so far: they get the changes only. */
    private final Set<String> synced = new HashSet<>();
    /** Holders whose whole state failed to arrive last time: not logged again. */
    private final Set<String> failedResets = new HashSet<>();
    private long seq;
    private long lastFailureLog;

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
            return; // one round at a time: each holder applies them in order
        }
        List<String> targets = membership.copyHolders();
        List<Pending> batch = pending;
        pending = new ArrayList<>();
        if (targets.isEmpty()) {
            synced.clear();
            batch.forEach(p -> p.onDurable().run()); // a cluster of one: the journal is the only copy
            return;
        }
        synced.retainAll(targets);
        long n = ++seq;
        byte[] delta = null;
        byte[] reset = null;
        int resetRecords = 0;
        for (String target : targets) {
            if (synced.contains(target) && delta == null) {
                List<Record> records = new ArrayList<>();
                batch.forEach(p -> records.addAll(p.records()));
                delta = body(DELTA, n, "", records);
            } else if (!synced.contains(target) && reset == null) {
                // the mirror includes every pending batch; the holders (and this life) named so that the first live one adopts
                List<Record> whole = mirror.snapshotRecords();
                resetRecords = whole.size();
                reset = body(RESET, n, new Owners.CopyHolders(membership.lifeOf(membership.nodeName()), targets).format(), whole);
            }
        }
        busy = true;
        sentAt = System.nanoTime();
        CompletableFuture<?>[] round = new CompletableFuture<?>[targets.size()];
        for (int i = 0; i < round.length; i++) {
            String target = targets.get(i);
            boolean whole = !synced.contains(target);
            if (whole && failedResets.add(target)) {
                log.info("journal copy: sending the whole state ({} records) to node {}", resetRecords, target);
            }
            requests.incrementAndGet();
            round[i] = calls.call(target, SERVICE, whole ? reset : delta).whenComplete((ok, failure) -> {
                if (failure != null) {
                    logFailure(target, failure);
                }
            });
        }
        CompletableFuture.allOf(round).whenComplete((ok, failure) -> acknowledged(targets, batch, failure));
    }

    /** {@code holders}: for the whole state, who holds this round's copies ({@link Owners.CopyHolders}). */
    private byte[] body(byte kind, long n, String holders, List<Record> records) {
        codec.encode(records);
        byte[] names = holders.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(11 + names.length + codec.length()).put(kind).putLong(n).putShort((short) names.length)
                .put(names).put(codec.buffer(), 0, codec.length()).array();
    }

    private synchronized void logFailure(String target, Throwable failure) {
        long now = System.nanoTime();
        if (now - lastFailureLog > LOG_INTERVAL_NANOS) {
            lastFailureLog = now;
            log.warn("journal copy to node {} failed ({}); sending the whole state again", target, failure.toString());
        }
    }

    private synchronized void acknowledged(List<String> targets, List<Pending> batch, Throwable failure) {
        busy = false;
        if (failure != null) {
            // a holder that applied this round would apply its changes twice if sent them again: all start afresh
            synced.clear();
            batch.addAll(pending);
            pending = batch;
            retries.schedule(this::sendPending, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        synced.addAll(targets);
        failedResets.clear();
        copyNanos.addAndGet(System.nanoTime() - sentAt);
        copied.incrementAndGet();
        batch.forEach(p -> p.onDurable().run());
        sendPending();
    }

    /** Copy rounds every holder acknowledged so far. */
    public long copied() {
        return copied.get();
    }

    /** Total time from sending those requests to their acknowledgement, in nanoseconds. */
    public long copyNanos() {
        return copyNanos.get();
    }

    /** Copy requests sent so far (one per holder and gathered group of journal batches). */
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
