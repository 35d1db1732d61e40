package io.oncemq.bench.jmh;

import io.oncemq.journal.ChronicleJournal;
import io.oncemq.journal.Durability;
import io.oncemq.journal.JournalOptions;
import io.oncemq.journal.JournalState;
import io.oncemq.journal.Record;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Opening a journal of kept sessions with QoS 2 messages in flight: replay of every record, then the
 * snapshot that open writes as a new generation. Milliseconds per open; records per open are printed at set-up.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class ReplayBenchmark extends ChronicleBenchmark {

    /** Messages per subscriber session: the broker's default max-inflight and receive-maximum. */
    private static final int PER_SESSION = 100;

    @Param({"10000", "100000"})
    public int inFlight;

    private Path root;
    private Path written;
    private Path copy;
    private ChronicleJournal journal;
    private long records;

    /**
     * Writes the journal once: publisher i sends to subscriber i, 100 messages per pair, each stopped at one
     * of four points of its QoS 2 life so every kind of live state is there to rebuild.
     */
    @Setup(Level.Trial)
    public void write() throws IOException {
        root = Files.createTempDirectory("oncemq-jmh-replay");
        written = root.resolve("written");
        // default options: 1M records before compaction, so the whole log is still there to replay (553k at 100k)
        ChronicleJournal w = ChronicleJournal.open(written, Durability.PAGE_CACHE, JournalOptions.defaults());
        long id = 0;
        for (int s = 0; s < inFlight / PER_SESSION; s++) {
            String pub = "pub-" + s;
            String sub = "sub-" + s;
            append(w, List.of(new Record.SessionOpened(pub, 600), new Record.SessionOpened(sub, 600),
                    new Record.Subscribed(sub, "site/" + s + "/+/temp", 2, 0)));
            for (int q = 1; q <= PER_SESSION; q++) {
                id++;
                // as InboundPublishes journals a QoS 2 PUBLISH to a kept session: stored, held, queued, routed
                append(w, List.of(new Record.MessageStored(id, "site/" + s + "/dev1/temp", 2, false, new byte[100], new byte[0]),
                        new Record.ReceiptHeld(pub, q, id), new Record.Enqueued(sub, id, 2), new Record.Routed(id)));
                int stage = q % 4; // 0: receipt still held; 1: released, queued; 2: sent; 3: PUBREC received
                if (stage >= 1) {
                    append(w, List.of(new Record.ReceiptReleased(pub, q)));
                }
                if (stage >= 2) {
                    append(w, List.of(new Record.Sent(sub, q, id)));
                }
                if (stage == 3) {
                    append(w, List.of(new Record.PubrecReceived(sub, q)));
                }
            }
        }
        w.close();
        System.out.printf("%n%d messages in flight, %d records in the journal%n", inFlight, records);
    }

    private void append(ChronicleJournal w, List<Record> batch) {
        w.append(batch, () -> { }); // close() waits for every batch to be written
        records += batch.size();
    }

    /** Open writes a new generation and deletes the old one, so each open starts from an untouched copy. */
    @Setup(Level.Invocation)
    public void copy() throws IOException {
        copy = root.resolve("copy");
        try (Stream<Path> s = Files.walk(written)) {
            for (Path p : s.toList()) {
                Path to = copy.resolve(written.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectory(to);
                } else {
                    copySparse(p, to);
                }
            }
        }
    }

    /**
     * Copies a file leaving its unwritten blocks as holes, as Chronicle left them (Files.copy would write tens of
     * MB of zeros), and syncs it: the writeback of the copy must not land inside the timed open and its fsync.
     */
    private static void copySparse(Path from, Path to) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(64 * 1024);
            long size = in.size();
            for (long at = 0; at < size; at += block.limit()) {
                block.clear();
                while (block.hasRemaining() && in.read(block, at + block.position()) > 0) {
                    // a read may return less than asked
                }
                block.flip();
                if (!zeros(block)) {
                    while (block.hasRemaining()) {
                        out.write(block, at + block.position());
                    }
                }
            }
            if (out.size() < size) {
                out.write(ByteBuffer.allocate(1), size - 1); // the same length, its tail a hole
            }
            out.force(true);
        }
    }

    private static boolean zeros(ByteBuffer b) {
        byte[] a = b.array();
        for (int i = 0; i < b.limit(); i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    @TearDown(Level.Invocation)
    public void closeCopy() throws IOException {
        JournalState state = journal.replayed();
        journal.close();
        delete(copy);
        // a replay that rebuilt less would look fast: check it found every message and session
        if (state.messages().size() != inFlight || state.sessions().size() != 2 * inFlight / PER_SESSION) {
            throw new IllegalStateException("replayed " + state.messages().size() + " messages and " + state.sessions().size()
                    + " sessions, expected " + inFlight + " and " + 2 * inFlight / PER_SESSION);
        }
    }

    @TearDown(Level.Trial)
    public void deleteAll() throws IOException {
        delete(root);
    }

    @Benchmark
    public JournalState open() {
        journal = ChronicleJournal.open(copy, Durability.PAGE_CACHE, JournalOptions.defaults());
        return journal.replayed();
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
