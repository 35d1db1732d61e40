package io.oncemq.bench.jmh;

import io.oncemq.journal.Record;
import io.oncemq.journal.RecordCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Encoding and decoding the records of one QoS 2 message's life (receipt with a 100-byte message, queue, sent, PUBREC, release). */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class RecordCodecBenchmark {

    private final RecordCodec codec = new RecordCodec();
    private List<Record> batch;
    private byte[] encoded;

    @Setup
    public void setup() {
        batch = JournalBenchmark.qos2Life(1);
        encoded = codec.toBytes(batch);
    }

    @Benchmark
    public int encode() {
        codec.encode(batch);
        return codec.length();
    }

    @Benchmark
    public List<Record> decode() {
        return RecordCodec.decode(encoded, 0, encoded.length);
    }
}
