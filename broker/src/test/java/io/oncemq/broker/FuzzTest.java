package io.oncemq.broker;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutated and random packets on real sockets against a running node while a well-behaved QoS 2 pair keeps
 * exchanging numbered messages: fails on a lost or duplicated message, an unhandled exception in the log,
 * or a node that stops answering. Iterations: {@code -Doncemq.fuzz.iterations} (short by default, long with -Pchaos).
 */
class FuzzTest {

    @RegisterExtension
    final TestNode node = new TestNode();

    /** Valid packets to mutate, as a client would send them after its CONNECT. */
    private static final byte[][] SEEDS = {
            {0x30, 0x08, 0x00, 0x03, 'f', '/', 'a', 'h', 'e', 'y'},
            {0x32, 0x0A, 0x00, 0x03, 'f', '/', 'a', 0x00, 0x07, 'h', 'e', 'y'},
            {0x34, 0x0A, 0x00, 0x03, 'f', '/', 'a', 0x00, 0x08, 'h', 'e', 'y'},
            {(byte) 0x82, 0x08, 0x00, 0x01, 0x00, 0x03, 'f', '/', '#', 0x02},
            {(byte) 0xA2, 0x07, 0x00, 0x02, 0x00, 0x03, 'f', '/', '#'},
            {0x62, 0x02, 0x00, 0x08},
            {0x50, 0x02, 0x00, 0x01},
            {0x40, 0x02, 0x00, 0x01},
            {0x70, 0x02, 0x00, 0x01},
            {(byte) 0xC0, 0x00},
            {(byte) 0xE0, 0x00},
    };

    private static byte[] connect(String id, int level) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] name = id.getBytes(StandardCharsets.UTF_8);
        int len = 10 + (level == 5 ? 1 : 0) + 2 + name.length;
        b.writeBytes(new byte[]{0x10, (byte) len, 0x00, 0x04, 'M', 'Q', 'T', 'T', (byte) level, 0x02, 0x00, 0x00});
        if (level == 5) {
            b.write(0);
        }
        b.write(0);
        b.write(name.length);
        b.writeBytes(name);
        return b.toByteArray();
    }

    private static byte[] mutate(byte[] seed, Random r) {
        byte[] out = seed.clone();
        switch (r.nextInt(5)) {
            case 0 -> out[r.nextInt(out.length)] ^= (byte) (1 << r.nextInt(8));
            case 1 -> out[r.nextInt(out.length)] = (byte) r.nextInt(256);
            case 2 -> out = java.util.Arrays.copyOf(out, 1 + r.nextInt(out.length)); // truncated
            case 3 -> out[1] = (byte) r.nextInt(256); // lying remaining length
            default -> {
                byte[] junk = new byte[r.nextInt(64)];
                r.nextBytes(junk);
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                b.writeBytes(out);
                b.writeBytes(junk);
                out = b.toByteArray();
            }
        }
        return out;
    }

    /** One hostile connection: random bytes, a mutated CONNECT, or a valid CONNECT then mutated packets. */
    private void attack(Random r, int i) throws IOException {
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(20);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            int mode = r.nextInt(3);
            try {
                if (mode == 0) {
                    byte[] junk = new byte[1 + r.nextInt(200)];
                    r.nextBytes(junk);
                    out.write(junk);
                } else if (mode == 1) {
                    out.write(mutate(connect("fz" + i, r.nextBoolean() ? 4 : 5), r));
                } else {
                    out.write(connect("fz" + i, r.nextBoolean() ? 4 : 5));
                    for (int k = 0; k < 1 + r.nextInt(6); k++) {
                        byte[] seed = SEEDS[r.nextInt(SEEDS.length)];
                        out.write(r.nextInt(4) == 0 ? seed : mutate(seed, r));
                    }
                }
                out.flush();
                byte[] sink = new byte[4096];
                while (in.read(sink) >= 0) {
                    // drain what the broker answers until it closes or goes quiet
                }
            } catch (SocketTimeoutException quiet) {
                // the broker waits for more: we hang up, as a dying client would
            } catch (IOException reset) {
                // the broker closed on us: expected for most inputs
            }
        }
    }

    @Test
    void hostileConnectionsNeitherHurtTheNodeNorOtherClients() throws Exception {
        int iterations = Integer.getInteger("oncemq.fuzz.iterations", 1500);
        int n = 500;
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        try (LogWatch log = new LogWatch()) {
            AtomicIntegerArray got = new AtomicIntegerArray(n + 1);
            MqttClient sub = new MqttClient("tcp://127.0.0.1:" + node.port(), "fz-sub", new MemoryPersistence());
            MqttClient pub = new MqttClient("tcp://127.0.0.1:" + node.port(), "fz-pub", new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(false);
            sub.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage m) {
                    got.incrementAndGet(Integer.parseInt(new String(m.getPayload(), StandardCharsets.UTF_8)));
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            sub.connect(o);
            sub.subscribe("good/q2", 2);
            pub.connect(o);
            long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
            for (int i = 0; i < iterations && System.nanoTime() < deadline; i++) {
                attack(r, i);
                if (i % (Math.max(1, iterations / n)) == 0 && (i / Math.max(1, iterations / n)) < n) {
                    int number = i / Math.max(1, iterations / n) + 1;
                    pub.publish("good/q2", String.valueOf(number).getBytes(StandardCharsets.UTF_8), 2, false);
                }
            }
            int published = Math.min(n, (iterations - 1) / Math.max(1, iterations / n) + 1);
            Await.until(() -> {
                for (int k = 1; k <= published; k++) {
                    if (got.get(k) == 0) {
                        return false;
                    }
                }
                return true;
            }, Duration.ofSeconds(30), "every good message arrived");
            int duplicates = 0;
            for (int k = 1; k <= published; k++) {
                duplicates += Math.max(0, got.get(k) - 1);
            }
            System.out.printf("fuzz: %d hostile connections (seed %d); good QoS 2 messages %d, duplicated %d; %d log problems%n",
                    iterations, seed, published, duplicates, log.problems().size());
            assertEquals(0, duplicates, "duplicated good messages");
            assertEquals(List.of(), log.problems(), "unhandled exceptions in the log (seed " + seed + ")");
            try (RawClient fresh = new RawClient(node.port())) {
                assertEquals(0, fresh.connect("after-fuzz", true, 0, 4).body()[1], "the node still answers");
            }
            assertTrue(sub.isConnected() && pub.isConnected(), "the good clients were never disconnected");
            sub.disconnect();
            pub.disconnect();
        }
    }
}
