package io.oncemq.bench.jmh;

import io.oncemq.broker.topic.SharedGroup;
import io.oncemq.broker.topic.Subscription;
import io.oncemq.broker.topic.TopicTree;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Matching one topic name against 10k or 100k filters (exact, '+', '#', and shared groups). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class TopicMatchBenchmark {

    @Param({"10000", "100000"})
    public int filters;

    private final TopicTree<Integer> tree = new TopicTree<>();
    private final TopicTree<SharedGroup<Integer>> shared = new TopicTree<>();
    private String[] topics;
    private int next;

    @Setup
    public void setup() {
        Random r = new Random(42);
        Subscription sub = new Subscription(1, 0);
        for (int i = 0; i < filters; i++) {
            int site = r.nextInt(1000);
            int device = r.nextInt(filters / 10 + 1);
            String filter = switch (i % 10) {
                case 0 -> "site/" + site + "/+/temp";
                case 1 -> "site/" + site + "/#";
                case 2 -> "+/" + site + "/dev" + device + "/+";
                default -> "site/" + site + "/dev" + device + "/temp";
            };
            tree.subscribe(filter, i, sub);
            if (i % 100 == 0) {
                shared.subscribe("site/" + site + "/#", new SharedGroup<>("g" + i, filter), sub);
            }
        }
        topics = new String[1024];
        for (int i = 0; i < topics.length; i++) {
            topics[i] = "site/" + r.nextInt(1000) + "/dev" + r.nextInt(filters / 10 + 1) + "/temp";
        }
    }

    @Benchmark
    public void match(Blackhole bh) {
        String topic = topics[next++ & 1023];
        tree.match(topic, (s, o) -> bh.consume(s));
        shared.match(topic, (g, o) -> bh.consume(g));
    }
}
