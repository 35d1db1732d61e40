package io.oncemq.bench.jmh;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.oncemq.bench.loadgen.LoadRun;
import io.oncemq.broker.Config;
import io.oncemq.broker.Node;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * QoS 2 round trips through an in-process node on loopback, HiveMQ MQTT clients on both ends: each op one
 * message published and received, 100 in flight, clean sessions vs kept ones (every transition journaled).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class RoundTripBenchmark extends ChronicleBenchmark {

    private static final int BATCH = 1000;
    /** The broker's default receive-maximum and max-inflight: more would only queue in the client or the broker. */
    private static final int WINDOW = 100;
    private static final String TOPIC = "bench/roundtrip";

    /** Session expiry of both clients. */
    public enum SessionKind {
        CLEAN(0), KEPT(600);

        final long expirySeconds;

        SessionKind(long expirySeconds) {
            this.expirySeconds = expirySeconds;
        }
    }

    @Param({"CLEAN", "KEPT"})
    public SessionKind session;

    private final byte[] payload = new byte[100];
    private final Semaphore window = new Semaphore(WINDOW);
    private Path data;
    private Node node;
    private Mqtt5AsyncClient subscriber;
    private Mqtt5AsyncClient publisher;

    @Setup(Level.Trial)
    public void start() throws IOException {
        data = Files.createTempDirectory("oncemq-jmh-roundtrip");
        node = new Node(Config.from(Map.of("port", "0", "host", "127.0.0.1", "data", data.toString(), "event-loops", "2"))).start();
        String server = "127.0.0.1:" + node.port();
        subscriber = LoadRun.connect("rt-sub", server, session.expirySeconds, WINDOW);
        // a slot frees when the subscriber has the message (its PUBREC/PUBCOMP follow on the client's own thread)
        subscriber.subscribeWith().topicFilter(TOPIC).qos(MqttQos.EXACTLY_ONCE).callback(p -> window.release()).send().join();
        publisher = LoadRun.connect("rt-pub", server, session.expirySeconds, WINDOW);
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        try {
            // expiry 0 ends the kept sessions: the HiveMQ client otherwise keeps its threads alive for the session's 600 s
            publisher.disconnectWith().sessionExpiryInterval(0).send().get(5, TimeUnit.SECONDS);
            subscriber.disconnectWith().sessionExpiryInterval(0).send().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("disconnect failed: " + e, e);
        } finally {
            node.stop();
            try (Stream<Path> s = Files.walk(data)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void qos2RoundTrips() throws Exception {
        @SuppressWarnings("unchecked")
        CompletableFuture<Mqtt5PublishResult>[] acks = new CompletableFuture[BATCH];
        for (int i = 0; i < BATCH; i++) {
            acquire(1);
            acks[i] = publisher.publishWith().topic(TOPIC).qos(MqttQos.EXACTLY_ONCE).payload(payload).send();
        }
        acquire(WINDOW); // every slot back: the subscriber has received all of the batch
        window.release(WINDOW);
        // and the publisher has its PUBCOMP for each: the round trip is whole, nothing spills into the next invocation
        CompletableFuture.allOf(acks).get(60, TimeUnit.SECONDS);
        for (CompletableFuture<Mqtt5PublishResult> a : acks) {
            if (a.join().getError().isPresent()) {
                throw new IllegalStateException("publish refused: " + a.join().getError().get());
            }
        }
        if (window.availablePermits() > WINDOW) {
            throw new IllegalStateException("QoS 2 delivered a message twice"); // each reception releases one permit
        }
    }

    private void acquire(int permits) throws InterruptedException {
        if (!window.tryAcquire(permits, 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the subscriber received nothing for 60 s");
        }
    }
}
