package io.oncemq.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.LargeRollCycles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * The journal on Chronicle Queue. One writer thread owns the appender: it takes every pending batch,
 * writes each as one document (split into parts past {@link #MAX_DOCUMENT}, applied only as a whole),
 * syncs once per group in {@link Durability#FSYNC} mode, then runs the completions in order.
 *
 * <p>A document is our header (magic, kind, record count, payload length, CRC32 of the payload) and the
 * {@link RecordCodec} payload; replay stops at the first one that does not check out.
 *
 * <p>The journal lives in generation folders {@code gen-NNNNNN}, each a Chronicle queue that starts with
 * a snapshot of the live state (written under a temporary name, renamed once synced). Compaction writes
 * the next generation's snapshot and deletes the old one; every open does the same, so a torn or corrupt
 * tail is never appended after. Compaction runs on the writer thread after a group's completions: a batch
 * appended once another has completed completes only after the compaction that one started is over.
 */
public final class ChronicleJournal implements Journal {

    private static final Logger log = LoggerFactory.getLogger(ChronicleJournal.class);

    /** Starts every document of the current format (header with a record count). */
    static final byte MAGIC = 0x50;
    /** The first format, still read: magic, kind, payload length, CRC32. */
    static final byte MAGIC_V1 = 0x4F;
    static final int HEADER_V1 = 10;
    /** A part of a batch; more parts follow. */
    static final byte PART = 1;
    /** The last (or only) document of a batch. */
    static final byte BATCH = 2;
    /** The last document of a generation's opening snapshot. */
    static final byte SNAPSHOT = 3;
    /** Magic, kind, record count, payload length, CRC32. */
    static final int HEADER = 14;
    /** A batch whose encoding passes this many bytes is written as several documents. */
    static final int MAX_DOCUMENT = 4 * 1024 * 1024;
    /** Largest encoded record (a message with its topic and properties) the journal takes. */
    public static final int MAX_RECORD_BYTES = 4 * 1024 * 1024;
    /** No document is longer: a part holds at most MAX_DOCUMENT plus one record, plus framing. */
    static final int MAX_READ = MAX_DOCUMENT + MAX_RECORD_BYTES + 64 * 1024;
    /** Chronicle takes documents up to a quarter of a block. */
    private static final long BLOCK_SIZE = 4L * MAX_READ;

    private record Pending(List<Record> records, Runnable onDurable) {
    }

    private final Path dir;
    private final Durability durability;
    private final JournalOptions options;
    private final JournalState live;
    private final JournalState replayed;
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final RecordCodec codec = new RecordCodec();
    private final CRC32 crc = new CRC32();
    private final Thread writer;
    private volatile boolean running = true;
    private volatile Consumer<Throwable> failureHandler = t -> { };
    private final CountDownLatch opened = new CountDownLatch(1);
    private volatile RuntimeException openFailure;
    private SingleChronicleQueue queue;
    private ExcerptAppender appender;
    private Bytes<byte[]> document = Bytes.allocateElasticOnHeap(64 * 1024);
    private int generation;
    private long recordsSinceSnapshot;
    private long nextCompactionCheck;
    /** Group-commit syncs and their total time; written by the writer thread only, read by the metrics endpoint. */
    private volatile long syncs;
    private volatile long syncNanos;

    private ChronicleJournal(Path dir, Durability durability, JournalOptions options, JournalState live, int generation) {
        this.dir = dir;
        this.durability = durability;
        this.options = options;
        this.live = live;
        this.replayed = copyOf(live);
        this.generation = generation;
        this.nextCompactionCheck = options.compactAfterRecords();
        this.writer = new Thread(this::writeLoop, "oncemq-journal");
        this.writer.setDaemon(true);
    }

    /** Opens (or creates) the journal in {@code dir}, replaying the newest complete generation. */
    public static ChronicleJournal open(Path dir, Durability durability, JournalOptions options) {
        quietChronicle();
        try {
            Files.createDirectories(dir);
            GenerationFolders.deleteUnfinished(dir);
            List<Integer> generations = GenerationFolders.list(dir);
            JournalState state = null;
            int chosen = 0;
            for (int i = generations.size() - 1; i >= 0 && state == null; i--) {
                int g = generations.get(i);
                state = GenerationReader.read(GenerationFolders.path(dir, g));
                if (state == null) {
                    log.warn("journal generation {} has no complete snapshot (a crash during compaction): discarded", g);
                    GenerationFolders.deleteTree(GenerationFolders.path(dir, g));
                } else {
                    chosen = g;
                }
            }
            if (state == null) {
                state = new JournalState();
            }
            ChronicleJournal journal = new ChronicleJournal(dir, durability, options, state, chosen);
            journal.writer.start();
            journal.awaitOpened();
            return journal;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open journal in " + dir, e);
        }
    }

    @Override
    public void append(List<Record> records, Runnable onDurable) {
        if (!running) {
            throw new IllegalStateException("journal is closed");
        }
        for (Record r : records) {
            // fail the caller, not the writer thread: a record larger than a Chronicle document allows would stop the journal
            if (r instanceof Record.MessageStored m && m.payload().length + m.properties().length + 4 * m.topic().length() > MAX_RECORD_BYTES) {
                throw new IllegalArgumentException("message " + m.messageId() + " is larger than the journal takes (" + MAX_RECORD_BYTES + " bytes)");
            }
        }
        pending.add(new Pending(records, onDurable));
        LockSupport.unpark(writer);
    }

    @Override
    public JournalState replayed() {
        return replayed;
    }

    /** Group-commit syncs so far (fsync mode only). */
    public long syncs() {
        return syncs;
    }

    /** Time spent in those syncs, in nanoseconds. */
    public long syncNanos() {
        return syncNanos;
    }

    @Override
    public Durability durability() {
        return durability;
    }

    /** Called once, on the writer thread, if a write fails: no completion runs after that. */
    public void onFailure(Consumer<Throwable> handler) {
        this.failureHandler = handler;
    }

    /** The generation now being appended to (grows with each compaction). */
    public int generation() {
        return generation;
    }

    /** Writes and completes every batch appended before this call, syncs, and closes the queue; call it after the last append. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        LockSupport.unpark(writer);
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitOpened() {
        try {
            opened.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while opening the journal", e);
        }
        if (openFailure != null) {
            throw new IllegalStateException("cannot open journal in " + dir + ": " + openFailure, openFailure);
        }
    }

    /** The writer thread: Chronicle appenders and buffers belong to the one thread that uses them. */
    private void writeLoop() {
        try {
            startGeneration(); // the replayed state becomes the new generation's snapshot
        } catch (RuntimeException e) {
            openFailure = e;
            running = false;
            return;
        } finally {
            opened.countDown();
        }
        List<Pending> group = new ArrayList<>();
        try {
            while (true) {
                for (Pending p = pending.poll(); p != null; p = pending.poll()) {
                    group.add(p);
                }
                if (group.isEmpty()) {
                    if (!running && pending.isEmpty()) {
                        appender.sync();
                        closeQueue();
                        return;
                    }
                    LockSupport.park(this);
                    continue;
                }
                for (Pending p : group) {
                    if (!p.records().isEmpty()) {
                        write(appender, p.records(), BATCH);
                        p.records().forEach(live::apply);
                        live.endOfBatch();
                        recordsSinceSnapshot += p.records().size();
                    }
                }
                if (durability == Durability.FSYNC) {
                    long start = System.nanoTime();
                    appender.sync(); // group commit: one sync for every batch drained
                    syncNanos += System.nanoTime() - start;
                    syncs++;
                }
                for (Pending p : group) {
                    complete(p);
                }
                group.clear();
                maybeCompact();
            }
        } catch (Throwable t) {
            // the batches not yet completed stay so: their senders must not act as if they were durable
            running = false;
            log.error("journal write failed in {}: {}", dir, t.toString());
            try {
                closeQueue();
            } catch (RuntimeException ignored) {
                // the queue may be what failed; the failure above is the one to report
            }
            failureHandler.accept(t);
        }
    }

    private void closeQueue() {
        appender.close();
        queue.close();
    }

    private static void complete(Pending p) {
        try {
            p.onDurable().run();
        } catch (RuntimeException e) {
            log.error("journal completion failed", e);
        }
    }

    private void maybeCompact() {
        if (recordsSinceSnapshot < nextCompactionCheck) {
            return;
        }
        // compact only once the log is at least twice the live state, so compaction is a bounded share of writes
        long liveSize = live.snapshotSize();
        if (recordsSinceSnapshot >= 2 * liveSize) {
            startGeneration();
            nextCompactionCheck = options.compactAfterRecords();
        } else {
            nextCompactionCheck = Math.max(options.compactAfterRecords(), 2 * liveSize);
        }
    }

    /** Writes the live state as the next generation's snapshot, switches to it, deletes the older ones. */
    private void startGeneration() {
        int next = generation + 1;
        // the snapshot is written under a temporary name and renamed once synced: a generation folder
        // either holds a whole snapshot or does not exist, whenever the process dies
        Path unfinished = GenerationFolders.unfinished(dir, next);
        List<Record> snapshot = live.snapshotRecords();
        try {
            GenerationFolders.deleteTree(unfinished);
            try (SingleChronicleQueue q = build(unfinished); ExcerptAppender a = q.createAppender()) {
                write(a, snapshot, SNAPSHOT);
                a.sync();
            }
            Files.move(unfinished, GenerationFolders.path(dir, next), StandardCopyOption.ATOMIC_MOVE);
            GenerationFolders.syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SingleChronicleQueue nextQueue = build(GenerationFolders.path(dir, next));
        ExcerptAppender nextAppender = nextQueue.createAppender();
        if (queue != null) {
            appender.close();
            queue.close();
        }
        queue = nextQueue;
        appender = nextAppender;
        int previous = generation;
        generation = next;
        recordsSinceSnapshot = 0;
        try {
            for (int g : GenerationFolders.list(dir)) {
                if (g < next) {
                    GenerationFolders.deleteTree(GenerationFolders.path(dir, g));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (previous > 0) {
            log.debug("journal compacted into generation {} ({} live records)", next, snapshot.size());
        }
    }

    /** Writes the records as one batch: one document, or parts of at most {@link #MAX_DOCUMENT} bytes. */
    private void write(ExcerptAppender to, List<Record> records, byte lastKind) {
        codec.begin();
        int count = 0;
        for (int i = 0; i < records.size(); i++) {
            codec.add(records.get(i));
            count++;
            if (codec.length() >= MAX_DOCUMENT && i < records.size() - 1) {
                writeDocument(to, PART, count);
                codec.begin();
                count = 0;
            }
        }
        writeDocument(to, lastKind, count);
    }

    private void writeDocument(ExcerptAppender to, byte kind, int count) {
        crc.reset();
        crc.update(codec.buffer(), 0, codec.length());
        document.clear();
        document.writeByte(MAGIC);
        document.writeByte(kind);
        document.writeInt(count);
        document.writeInt(codec.length());
        document.writeInt((int) crc.getValue());
        document.write(codec.buffer(), 0, codec.length());
        to.writeBytes(document);
    }

    static SingleChronicleQueue build(Path genDir) {
        return SingleChronicleQueueBuilder.binary(genDir)
                .rollCycle(LargeRollCycles.LARGE_DAILY)
                // a generation is short-lived and the file is sparse: only written pages take disk space;
                // a document may use at most a quarter of a block
                .blockSize(BLOCK_SIZE)
                // one writer per folder: a lock left by a killed process is stale at once
                .timeoutMS(500)
                .build();
    }

    private static JournalState copyOf(JournalState state) {
        JournalState copy = new JournalState();
        state.snapshotRecords().forEach(copy::apply);
        copy.endOfBatch();
        return copy;
    }

    /** A broker must never reach the internet: Chronicle's announcer and analytics stay off. */
    private static void quietChronicle() {
        if (System.getProperty("chronicle.announcer.disable") == null) {
            System.setProperty("chronicle.announcer.disable", "true");
        }
        if (System.getProperty("chronicle.analytics.disable") == null) {
            System.setProperty("chronicle.analytics.disable", "true");
        }
    }
}
