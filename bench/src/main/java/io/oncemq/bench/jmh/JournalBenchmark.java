package io.oncemq.bench.jmh;

import io.oncemq.journal.ChronicleJournal;
import io.oncemq.journal.Durability;
import io.oncemq.journal.JournalOptions;
import io.oncemq.journal.Record;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Journal appends of QoS 2 transition records, page-cache vs fsync group commit: 1,000 batches in flight
 * per invocation (as many event loops' turns would be), each op one batch of a message's five records.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class JournalBenchmark extends ChronicleBenchmark {

    private static final int IN_FLIGHT = 1000;

    @Param({"PAGE_CACHE", "FSYNC"})
    public Durability durability;

    private Path dir;
    private ChronicleJournal journal;
    private long nextId;

    /** The records of one QoS 2 message through a kept session, as the broker journals them. */
    static List<Record> qos2Life(long id) {
        int q = (int) (id % 65535) + 1;
        return List.of(new Record.MessageStored(id, "site/1/dev1/temp", 2, false, new byte[100], new byte[0]),
                new Record.ReceiptHeld("pub-1", q, id), new Record.Enqueued("sub-1", id, 2), new Record.Routed(id),
                new Record.Sent("sub-1", q, id), new Record.PubrecReceived("sub-1", q), new Record.ReceiptReleased("pub-1", q),
                new Record.Completed("sub-1", q));
    }

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("oncemq-jmh");
        journal = ChronicleJournal.open(dir, durability, JournalOptions.defaults());
        CountDownLatch ready = new CountDownLatch(1);
        journal.append(List.of(new Record.SessionOpened("sub-1", 600), new Record.SessionOpened("pub-1", 600)), ready::countDown);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        journal.close();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(IN_FLIGHT)
    public void appendQos2Lives() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(IN_FLIGHT);
        for (int i = 0; i < IN_FLIGHT; i++) {
            journal.append(qos2Life(++nextId), done::countDown);
        }
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("appends not durable in 60 s");
        }
    }
}
