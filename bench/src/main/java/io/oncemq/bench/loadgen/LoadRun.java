package io.oncemq.bench.loadgen;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Runs one {@link LoadSpec} against real brokers with HiveMQ MQTT clients and audits every message.
 * A library, not a main(): the cluster's failover tests reuse it. Bounded in messages and time.
 */
public final class LoadRun {

    private final LoadSpec spec;
    private final Audit audit;
    private final Recorder latency = new Recorder(3);
    private final Histogram total = new Histogram(3);
    private final int[] sent;
    private final AtomicIntegerArray[] pending;
    private final Semaphore[] windows;
    private final AtomicLong sentCount = new AtomicLong();
    private final int receivers;
    private final List<Mqtt5AsyncClient> clients = new ArrayList<>();
    /** Clients speak TLS trusting these certificates; null: plain TCP. */
    private TrustManagerFactory tlsTrust;

    public LoadRun(LoadSpec spec) {
        this.spec = spec;
        this.receivers = spec.scenario().receiversPerMessage(spec.subscribers());
        this.audit = new Audit(spec.scenario(), spec.scenario().auditGroups(spec.subscribers()), spec.subscribers(),
                spec.publishers(), spec.messages());
        this.sent = new int[spec.publishers()];
        this.pending = new AtomicIntegerArray[spec.publishers()];
        this.windows = new Semaphore[spec.publishers()];
        for (int p = 0; p < spec.publishers(); p++) {
            pending[p] = new AtomicIntegerArray(spec.messages() + 1);
            windows[p] = new Semaphore(spec.window());
        }
    }

    /** Every client connects over TLS, trusting the PEM certificates in {@code caFile} (the broker's tls-port). */
    public LoadRun tls(Path caFile) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, c);
            }
        }
        tlsTrust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tlsTrust.init(store);
        return this;
    }

    /** Connects everyone, runs, and returns the figures; {@code progress} gets a line about every second. */
    public LoadResult run(Consumer<String> progress) throws InterruptedException {
        return run(progress, -1);
    }

    /** As {@link #run(Consumer)}, also measuring the CPU time the broker process {@code brokerPid} spends. */
    public LoadResult run(Consumer<String> progress, long brokerPid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(spec.timeoutSeconds());
        try {
            subscribe();
            List<Thread> publishers = new ArrayList<>();
            long start = System.nanoTime();
            long cpuStart = ProcessCpu.micros(brokerPid);
            for (int p = 0; p < spec.publishers(); p++) {
                Mqtt5AsyncClient c = connect("lg-pub-" + p, spec.servers().get((p + 1) % spec.servers().size()));
                int id = p;
                Thread t = new Thread(() -> publish(c, id, start, deadline), "lg-pub-" + p);
                publishers.add(t);
            }
            publishers.forEach(Thread::start);
            long expected = spec.expected();
            long lastReport = start;
            long lastProgress = start;
            long lastReceived = 0;
            while (audit.received() < expected && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                long now = System.nanoTime();
                if (audit.received() != lastReceived) {
                    lastReceived = audit.received();
                    lastProgress = now;
                } else if (spec.qos() == 0 && now - lastProgress > TimeUnit.SECONDS.toNanos(2)) {
                    break; // QoS 0 may lose, and a lost message holds its slot: nothing for 2 s is the end
                }
                if (now - lastReport >= TimeUnit.SECONDS.toNanos(1)) {
                    lastReport = now;
                    progress.accept(String.format("  %.0fs: sent %d, received %d of %d (%.0f msgs/s)",
                            (now - start) / 1e9, sentCount.get(), audit.received(), expected, audit.received() / ((now - start) / 1e9)));
                }
            }
            long end = System.nanoTime();
            long cpuEnd = ProcessCpu.micros(brokerPid);
            for (Thread t : publishers) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                t.interrupt();
            }
            boolean completed = audit.received() >= expected;
            // late duplicates show up here, not in the rate
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            total.add(latency.getIntervalHistogram());
            double seconds = (end - start) / 1e9;
            return new LoadResult(spec, sentCount.get(), audit.received(), seconds, audit.received() / seconds,
                    total.getValueAtPercentile(50), total.getValueAtPercentile(99), total.getValueAtPercentile(99.9),
                    audit.lost(sent), audit.duplicated(), audit.outOfOrder(), completed,
                    cpuStart < 0 || cpuEnd < 0 ? -1 : (cpuEnd - cpuStart) / (double) Math.max(1, audit.received()));
        } finally {
            for (Mqtt5AsyncClient c : clients) {
                try {
                    c.disconnect().get(5, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // the broker may be gone: the run is over either way
                }
            }
        }
    }

    private Mqtt5AsyncClient connect(String id, String server) {
        Mqtt5AsyncClient c = connect(id, server, spec.sessionExpiry(), spec.window(), tlsTrust);
        clients.add(c);
        return c;
    }

    /**
     * An MQTT 5 client connected to {@code host:port} with a clean start: {@code sessionExpiry} 0 for a clean
     * session, more for a kept (journaled) one; {@code receiveMaximum} bounds what the broker sends it unacknowledged.
     */
    public static Mqtt5AsyncClient connect(String id, String server, long sessionExpiry, int receiveMaximum) {
        return connect(id, server, sessionExpiry, receiveMaximum, null);
    }

    /** As {@link #connect(String, String, long, int)}, over TLS when {@code tls} is not null. */
    public static Mqtt5AsyncClient connect(String id, String server, long sessionExpiry, int receiveMaximum, TrustManagerFactory tls) {
        int colon = server.lastIndexOf(':');
        Mqtt5ClientBuilder b = Mqtt5Client.builder().identifier(id).serverHost(server.substring(0, colon))
                .serverPort(Integer.parseInt(server.substring(colon + 1)));
        if (tls != null) {
            b = b.sslConfig().trustManagerFactory(tls).applySslConfig();
        }
        Mqtt5AsyncClient c = b.buildAsync();
        c.connectWith().cleanStart(true).sessionExpiryInterval(sessionExpiry).restrictions().receiveMaximum(Math.max(receiveMaximum, 1)).applyRestrictions()
                .send().join();
        return c;
    }

    private void subscribe() {
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int s = 0; s < spec.subscribers(); s++) {
            Mqtt5AsyncClient c = connect("lg-sub-" + s, spec.servers().get(s % spec.servers().size()));
            int subscriber = s;
            acks.add(c.subscribeWith().topicFilter(spec.scenario().filter(s)).qos(MqttQos.fromCode(spec.qos()))
                    .callback(publish -> received(subscriber, publish.getPayloadAsBytes()))
                    .send());
        }
        acks.forEach(CompletableFuture::join);
    }

    private void received(int subscriber, byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload);
        int publisher = b.getInt();
        int seq = b.getInt();
        long sentAt = b.getLong();
        latency.recordValue(Math.max(0, (System.nanoTime() - sentAt) / 1000));
        if (audit.receive(subscriber, publisher, seq) == 1) {
            settle(publisher, seq);
        }
    }

    /** One of the things a window slot waits for happened: the broker's ack, or one receiver's copy. */
    private void settle(int publisher, int seq) {
        if (publisher >= 0 && publisher < pending.length && seq >= 1 && seq <= spec.messages()
                && pending[publisher].decrementAndGet(seq) == 0) {
            windows[publisher].release();
        }
    }

    private void publish(Mqtt5AsyncClient c, int p, long start, long deadline) {
        String topic = spec.scenario().topic(p);
        MqttQos qos = MqttQos.fromCode(spec.qos());
        // a slot frees once the message is acknowledged (QoS 1/2) and received by every receiver
        int waits = (spec.qos() == 0 ? 0 : 1) + receivers;
        long interval = spec.ratePerPublisher() > 0 ? (long) (1e9 / spec.ratePerPublisher()) : 0;
        try {
            for (int seq = 1; seq <= spec.messages(); seq++) {
                if (interval > 0) {
                    long due = start + (seq - 1) * interval;
                    while (System.nanoTime() < due) {
                        LockSupport.parkNanos(due - System.nanoTime());
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !windows[p].tryAcquire(left, TimeUnit.NANOSECONDS)) {
                    return;
                }
                pending[p].set(seq, waits);
                ByteBuffer payload = ByteBuffer.allocate(spec.size());
                payload.putInt(p).putInt(seq).putLong(System.nanoTime());
                int s = seq;
                c.publishWith().topic(topic).qos(qos).payload(payload.array()).send()
                        .whenComplete((r, e) -> {
                            if (e == null && spec.qos() > 0) {
                                settle(p, s);
                            }
                        });
                sent[p] = seq;
                sentCount.incrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
