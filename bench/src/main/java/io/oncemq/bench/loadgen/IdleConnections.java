package io.oncemq.bench.loadgen;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Connection scale: opens N idle MQTT 3.1.1 connections with keep-alive from several loopback source
 * addresses (past the ephemeral port range of one), keeps them alive for a while, checks that publishing
 * through the node still works meanwhile, and reports connect rate and the broker's RSS (and heap, for a
 * JVM) per connection. One NIO thread; bounded in connections and time.
 * Usage: {@code java -cp oncemq-loadgen.jar io.oncemq.bench.loadgen.IdleConnections HOST:PORT N SOURCES HOLD_SECONDS BROKER_PID LABEL}
 */
public final class IdleConnections {

    private static final int KEEP_ALIVE = 60;
    private static final int MAX_PENDING = 2000;

    private IdleConnections() {
    }

    public static void main(String[] args) throws Exception {
        String server = args[0];
        int n = Integer.parseInt(args[1]);
        int sources = Integer.parseInt(args[2]);
        int hold = Integer.parseInt(args[3]);
        long pid = Long.parseLong(args[4]);
        String label = args.length > 5 ? args[5] : "broker";
        String host = server.substring(0, server.lastIndexOf(':'));
        int port = Integer.parseInt(server.substring(server.lastIndexOf(':') + 1));
        new LoadSpec(Scenario.PAIRS, 1, 1, 1, 16, 0, 1, 0, 1, List.of(server), label, 0).checkLoopback(false);

        long rssBefore = rssKb(pid);
        long heapBefore = heapKb(pid);
        Selector selector = Selector.open();
        List<SocketChannel> open = new ArrayList<>(n);
        int started = 0;
        int connected = 0;
        int failed = 0;
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.MINUTES.toNanos(10);
        ByteBuffer in = ByteBuffer.allocate(64);
        while (connected + failed < n && System.nanoTime() < deadline) {
            while (started < n && started - connected - failed < MAX_PENDING) {
                SocketChannel ch = SocketChannel.open();
                ch.configureBlocking(false);
                ch.bind(new InetSocketAddress("127.0.0." + (1 + started % sources), 0));
                ch.connect(new InetSocketAddress(host, port));
                ch.register(selector, SelectionKey.OP_CONNECT, started);
                started++;
            }
            selector.select(100);
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                SocketChannel ch = (SocketChannel) k.channel();
                try {
                    if (k.isConnectable() && ch.finishConnect()) {
                        ch.write(ByteBuffer.wrap(connect("idle-" + k.attachment())));
                        k.interestOps(SelectionKey.OP_READ);
                    } else if (k.isReadable()) {
                        in.clear();
                        if (ch.read(in) >= 4 && in.get(0) == 0x20 && in.get(3) == 0) {
                            connected++;
                            open.add(ch);
                            k.interestOps(0);
                        } else {
                            failed++;
                            k.cancel();
                            ch.close();
                        }
                    }
                } catch (IOException e) {
                    failed++;
                    k.cancel();
                    ch.close();
                }
            }
        }
        double connectSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s: %d connected, %d failed in %.1f s (%.0f connections/s)%n", label, connected, failed,
                connectSeconds, connected / connectSeconds);

        // hold: PINGREQ on every connection each half keep-alive, and a pub/sub pair proving the node still serves
        int published = 0;
        int received = 0;
        Mqtt5BlockingClient sub = Mqtt5Client.builder().identifier("idle-check-sub").serverHost(host).serverPort(port).buildBlocking();
        Mqtt5BlockingClient pub = Mqtt5Client.builder().identifier("idle-check-pub").serverHost(host).serverPort(port).buildBlocking();
        sub.connect();
        pub.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes msgs = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("idle/check").qos(MqttQos.AT_LEAST_ONCE).send();
            long holdEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(hold);
            long nextPing = 0;
            while (System.nanoTime() < holdEnd) {
                if (System.nanoTime() >= nextPing) {
                    for (SocketChannel ch : open) {
                        ch.write(ByteBuffer.wrap(new byte[]{(byte) 0xC0, 0x00}));
                    }
                    nextPing = System.nanoTime() + TimeUnit.SECONDS.toNanos(KEEP_ALIVE / 2);
                }
                pub.publishWith().topic("idle/check").qos(MqttQos.AT_LEAST_ONCE).payload("ok".getBytes()).send();
                published++;
                if (msgs.receive(1, TimeUnit.SECONDS).isPresent()) {
                    received++;
                }
                drain(open, in);
            }
        }
        long rssAfter = rssKb(pid);
        long heapAfter = heapKb(pid);
        int stillOpen = 0;
        for (SocketChannel ch : open) {
            stillOpen += ch.isOpen() ? 1 : 0;
        }
        System.out.printf("%s: held %d connections for %d s (%d still open); publish checks %d/%d delivered; "
                        + "RSS +%d MB (%.1f KB per connection)%s%n", label, connected, hold, stillOpen, received, published,
                (rssAfter - rssBefore) / 1024, (rssAfter - rssBefore) / (double) Math.max(1, connected),
                heapBefore < 0 || heapAfter < 0 ? "" : String.format("; heap +%d MB (%.1f KB per connection)",
                        (heapAfter - heapBefore) / 1024, (heapAfter - heapBefore) / (double) Math.max(1, connected)));
        sub.disconnect();
        pub.disconnect();
        for (SocketChannel ch : open) {
            ch.close();
        }
    }

    /** Reads and discards PINGRESPs so the broker's writes never back up. */
    private static void drain(List<SocketChannel> open, ByteBuffer in) throws IOException {
        for (SocketChannel ch : open) {
            in.clear();
            while (ch.isOpen() && ch.read(in) > 0) {
                in.clear();
            }
        }
    }

    private static byte[] connect(String id) {
        byte[] name = id.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[14 + name.length];
        byte[] head = {0x10, (byte) (12 + name.length), 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, (byte) KEEP_ALIVE};
        System.arraycopy(head, 0, p, 0, head.length);
        p[12] = 0;
        p[13] = (byte) name.length;
        System.arraycopy(name, 0, p, 14, name.length);
        return p;
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Used heap after a full GC, through jcmd; -1 if the broker is not a JVM. */
    private static long heapKb(long pid) {
        try {
            Process gc = new ProcessBuilder("jcmd", String.valueOf(pid), "GC.run").redirectErrorStream(true).start();
            gc.getInputStream().readAllBytes();
            gc.waitFor(30, TimeUnit.SECONDS);
            Process p = new ProcessBuilder("jcmd", String.valueOf(pid), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            int used = out.indexOf("used ");
            if (used < 0) {
                return -1;
            }
            return Long.parseLong(out.substring(used + 5, out.indexOf('K', used)));
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
