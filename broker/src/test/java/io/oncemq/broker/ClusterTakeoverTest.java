package io.oncemq.broker;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.oncemq.broker.RawClient.PUBCOMP;
import static io.oncemq.broker.RawClient.PUBLISH;
import static io.oncemq.broker.RawClient.PUBREC;
import static io.oncemq.broker.RawClient.PUBREL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A client id moves between two nodes: one owner at a time, the kept session moves with it (E4, issue 5). */
class ClusterTakeoverTest {

    @RegisterExtension
    static final TestCluster cluster = new TestCluster(2);

    private static Mqtt5BlockingClient kept(int node, String clientId, boolean cleanStart, CompletableFuture<Mqtt5DisconnectReasonCode> closed) {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(cluster.port(node))
                .addDisconnectedListener(ctx -> {
                    if (ctx.getCause() instanceof Mqtt5DisconnectException d) {
                        closed.complete(d.getMqttMessage().getReasonCode());
                    }
                })
                .buildBlocking();
        Mqtt5ConnAck ack = c.connectWith().cleanStart(cleanStart).sessionExpiryInterval(300).send();
        assertEquals(!cleanStart, ack.isSessionPresent(), "session present");
        return c;
    }

    private static List<String> receive(Mqtt5BlockingClient.Mqtt5Publishes in, String topic, int n) throws InterruptedException {
        return ClusterRoutingTest.receive(in, topic, n, Duration.ofMillis(300));
    }

    @Test
    void aKeptSessionResumesOnTheOtherNodeWithItsQueueAndSubscriptions() throws Exception {
        Mqtt5BlockingClient first = kept(0, "mover", true, new CompletableFuture<>());
        first.subscribeWith().topicFilter("move/#").qos(MqttQos.EXACTLY_ONCE).send();
        first.disconnect();
        Mqtt5BlockingClient pub = cluster.v5Client(0, "mover-pub");
        List<String> numbers = IntStream.range(0, 20).mapToObj(String::valueOf).toList();
        for (String n : numbers) {
            pub.publishWith().topic("move/a").qos(MqttQos.EXACTLY_ONCE).payload(n.getBytes()).send();
        }
        Mqtt5BlockingClient moved = Mqtt5Client.builder().identifier("mover").serverHost("127.0.0.1").serverPort(cluster.port(1))
                .buildBlocking();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = moved.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(moved.connectWith().cleanStart(false).sessionExpiryInterval(300).send().isSessionPresent());
            assertEquals(numbers, receive(in, "move/a", 20), "the queue moved along");
            // the subscription moved too: published on the old node, it arrives once (relayed or forwarded)
            pub.publishWith().topic("move/b").qos(MqttQos.EXACTLY_ONCE).payload("after".getBytes()).send();
            assertEquals(List.of("after"), receive(in, "move/b", 1));
        } finally {
            moved.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void aConnectionOnTheOtherNodeClosesTheOldOneWithSessionTakenOver_MQTT_3_1_4_3() throws Exception {
        CompletableFuture<Mqtt5DisconnectReasonCode> closed = new CompletableFuture<>();
        Mqtt5BlockingClient first = kept(0, "twice", true, closed);
        Mqtt5BlockingClient second = kept(1, "twice", false, new CompletableFuture<>());
        assertEquals(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER, closed.get(10, TimeUnit.SECONDS));
        assertTrue(!first.getState().isConnected(), "one owner");
        second.disconnect();
    }

    @Test
    void aQos2DeliveryInFlightResumesOnTheOtherNodeWithItsPacketId_E3() throws Exception {
        new RawClient(cluster.port(0)).connectAndSubscribe("inflight", false, "inflight/#", 2).close();
        Mqtt5BlockingClient pub = cluster.v5Client(0, "inflight-pub");
        pub.publishWith().topic("inflight/x").qos(MqttQos.EXACTLY_ONCE).payload("one".getBytes()).send();
        pub.publishWith().topic("inflight/y").qos(MqttQos.EXACTLY_ONCE).payload("two".getBytes()).send();
        pub.disconnect();
        int q1;
        int q2;
        try (RawClient raw = new RawClient(cluster.port(0))) {
            raw.connect("inflight", false, 60, 4);
            RawClient.Packet x = raw.expect(PUBLISH);
            RawClient.Packet y = raw.expect(PUBLISH);
            q1 = x.publishId();
            q2 = y.publishId();
            raw.ack(PUBREC, q1); // the first is acknowledged (PUBREC), the second not at all
            assertEquals(q1, raw.expect(PUBREL).packetId());
        }
        try (RawClient raw = new RawClient(cluster.port(1))) {
            raw.connect("inflight", false, 60, 4);
            // MQTT-4.4.0-1: PUBREL for the one past PUBREC, the PUBLISH again (DUP) for the other, same ids
            RawClient.Packet first = raw.expect(PUBREL);
            assertEquals(q1, first.packetId());
            RawClient.Packet again = raw.expect(PUBLISH);
            assertEquals(q2, again.publishId());
            assertTrue(again.dup());
            assertEquals("inflight/y", again.topic());
            raw.ack(PUBCOMP, q1);
            raw.ack(PUBREC, q2);
            assertEquals(q2, raw.expect(PUBREL).packetId());
            raw.ack(PUBCOMP, q2);
            assertTrue(raw.silentFor(Duration.ofMillis(300)), "nothing sent twice");
        }
    }

    @Test
    void aHeldQos2ReceiptMovesSoARepeatedPublishIsNotRoutedTwice_E1() throws Exception {
        Mqtt5BlockingClient sub = cluster.v5Client(1, "receipt-sub");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("receipt/#").qos(MqttQos.EXACTLY_ONCE).send();
            cluster.awaitRoute(0, "receipt/probe", in);
            try (RawClient raw = new RawClient(cluster.port(0))) {
                raw.connect("receipt-pub", false, 60, 4);
                raw.publish("receipt/x", 2, 7, false, "once", 4);
                assertEquals(7, raw.expect(PUBREC).packetId());
            }
            try (RawClient raw = new RawClient(cluster.port(1))) {
                raw.connect("receipt-pub", false, 60, 4);
                raw.publish("receipt/x", 2, 7, true, "once", 4); // no PUBREC seen: the client sends it again
                assertEquals(7, raw.expect(PUBREC).packetId());
                raw.ack(PUBREL, 7);
                assertEquals(7, raw.expect(PUBCOMP).packetId());
            }
            assertEquals(List.of("once"), receive(in, "receipt/x", 1));
        } finally {
            sub.disconnect();
        }
    }

    /**
     * Two kept sessions swap nodes, and each node publishes for the session that just arrived from the other.
     * Each publish also reaches the node the session left (it still subscribes there while it relays), which
     * names the session's new node in its answer. A node that relayed instead would wait, before answering,
     * for its own relay to the other node, queued behind its earlier forward there, whose answer waits the same
     * way: both nodes' forwards stalled until the call timeout (15 s).
     */
    @Test
    void twoSessionsThatSwappedNodesGetWhatBothNodesPublishWithoutStalling() throws Exception {
        for (String[] s : new String[][] {{"swap-a", "0"}, {"swap-b", "1"}}) {
            Mqtt5BlockingClient c = kept(Integer.parseInt(s[1]), s[0], true, new CompletableFuture<>());
            c.subscribeWith().topicFilter(s[0] + "/#").qos(MqttQos.AT_LEAST_ONCE).send();
            c.disconnect();
        }
        int n = 300;
        Mqtt5BlockingClient a = kept(1, "swap-a", false, new CompletableFuture<>());
        Mqtt5BlockingClient b = kept(0, "swap-b", false, new CompletableFuture<>());
        Set<String> gotA = ConcurrentHashMap.newKeySet();
        Set<String> gotB = ConcurrentHashMap.newKeySet();
        a.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> gotA.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
        b.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> gotB.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
        // each published where its session now lives: on that node and to the one it left, at the same time
        Mqtt5BlockingClient pubA = cluster.v5Client(1, "swap-pub-a");
        Mqtt5BlockingClient pubB = cluster.v5Client(0, "swap-pub-b");
        // on a daemon thread: the client blocks the sender once too many publishes wait for acknowledgement
        CompletableFuture<Void> acknowledged = CompletableFuture.supplyAsync(() -> {
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sent.add(pubA.toAsync().publishWith().topic("swap-a/x").qos(MqttQos.AT_LEAST_ONCE).payload(String.valueOf(i).getBytes()).send());
                sent.add(pubB.toAsync().publishWith().topic("swap-b/x").qos(MqttQos.AT_LEAST_ONCE).payload(String.valueOf(i).getBytes()).send());
            }
            return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
        }).thenCompose(all -> all);
        // well under the call timeout: a stall holds the acknowledgements at least 15 s
        acknowledged.get(10, TimeUnit.SECONDS);
        Await.until(() -> gotA.size() == n && gotB.size() == n, Duration.ofSeconds(10), "all " + n + " at each session");
        for (Mqtt5BlockingClient c : List.of(a, b, pubA, pubB)) {
            c.disconnect();
        }
    }

    /**
     * Two connections of one client id reach two nodes at once, the session on one of them (E4): the claims must
     * not wait for each other; both CONNECTs are answered quickly, one ends connected with the session and its
     * queue, the other refused (Server unavailable) or taken over (0x8E). Rounds, since either claim may come first.
     */
    @Test
    void twoConnectionsRacingOnTwoNodesEndWithOneOwnerAndTheSession_E4() throws Exception {
        for (int round = 0; round < 4; round++) {
            String id = "racer-" + round;
            Mqtt5BlockingClient first = kept(0, id, true, new CompletableFuture<>());
            first.subscribeWith().topicFilter(id + "/#").qos(MqttQos.AT_LEAST_ONCE).send();
            first.disconnect();
            Mqtt5BlockingClient pub = cluster.v5Client(0, id + "-pub");
            for (int n = 0; n < 5; n++) {
                pub.publishWith().topic(id + "/q").qos(MqttQos.AT_LEAST_ONCE).payload(String.valueOf(n).getBytes()).send();
            }
            pub.disconnect();
            List<Mqtt5BlockingClient> racers = List.of(racer(1, id), racer(0, id));
            // before the connects: messages sent right after CONNACK must find a consumer
            List<Mqtt5BlockingClient.Mqtt5Publishes> ins = racers.stream().map(c -> c.publishes(MqttGlobalPublishFilter.ALL)).toList();
            List<CompletableFuture<Boolean>> connects = racers.stream().map(c -> c.toAsync().connectWith().cleanStart(false)
                    .sessionExpiryInterval(300).send().handle((ack, e) -> e == null)).toList();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (CompletableFuture<Boolean> c : connects) {
                c.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS); // no claim waits for the other
            }
            Await.until(() -> racers.stream().filter(c -> c.getState().isConnected()).count() == 1, Duration.ofSeconds(10),
                    "one of the two connections of " + id);
            int owner = racers.get(0).getState().isConnected() ? 0 : 1;
            // the one taken over may have been sent some first: QoS 1, at least once over the two connections
            Set<String> got = new TreeSet<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (got.size() < 5 && System.nanoTime() < until) {
                for (Mqtt5BlockingClient.Mqtt5Publishes in : ins) {
                    in.receive(100, TimeUnit.MILLISECONDS).filter(p -> p.getTopic().toString().equals(id + "/q"))
                            .ifPresent(p -> got.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
                }
            }
            assertEquals(Set.of("0", "1", "2", "3", "4"), got, "the queue came with the session");
            ins.forEach(Mqtt5BlockingClient.Mqtt5Publishes::close);
            racers.get(owner).disconnect();
        }
    }

    private static Mqtt5BlockingClient racer(int node, String clientId) {
        return Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(cluster.port(node)).buildBlocking();
    }
}
