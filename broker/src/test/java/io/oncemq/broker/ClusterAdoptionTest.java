package io.oncemq.broker;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import io.oncemq.broker.cluster.Forward;
import io.oncemq.broker.session.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node leaves: its buddy adopts its kept sessions from the copy of its journal, and clients resume elsewhere (failover). */
class ClusterAdoptionTest {

    @RegisterExtension
    static final TestCluster cluster = new TestCluster(3);

    @Test
    void aKeptSessionOfANodeThatLeftResumesOnAnotherNodeAndKeepsCollecting() throws Exception {
        Mqtt5BlockingClient first = Mqtt5Client.builder().identifier("orphan").serverHost("127.0.0.1").serverPort(cluster.port(1))
                .buildBlocking();
        first.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        first.subscribeWith().topicFilter("orphan/#").qos(MqttQos.EXACTLY_ONCE).send();
        first.disconnect();
        Mqtt5BlockingClient pub = cluster.v5Client(0, "orphan-pub");
        List<String> before = IntStream.range(0, 10).mapToObj(i -> "b" + i).toList();
        List<String> after = IntStream.range(0, 10).mapToObj(i -> "a" + i).toList();
        try (Mqtt5BlockingClient.Mqtt5Publishes probe = cluster.v5Client(1, "orphan-probe").publishes(MqttGlobalPublishFilter.ALL)) {
            // n1 routes to n2 once it knows the route: published before, the messages wait in the session on n2
            Mqtt5BlockingClient watch = cluster.v5Client(1, "orphan-watch");
            try (Mqtt5BlockingClient.Mqtt5Publishes in = watch.publishes(MqttGlobalPublishFilter.ALL)) {
                watch.subscribeWith().topicFilter("orphan/#").qos(MqttQos.AT_MOST_ONCE).send();
                cluster.awaitRoute(0, "orphan/probe", in);
            }
            watch.disconnect();
        }
        for (String m : before) {
            pub.publishWith().topic("orphan/x").qos(MqttQos.EXACTLY_ONCE).payload(m.getBytes()).send();
        }
        long failovers = cluster.node(2).counters().failovers();
        cluster.stop(1); // n2 leaves: n3, its buddy, adopts the session from its copy
        for (String m : after) {
            pub.publishWith().topic("orphan/x").qos(MqttQos.EXACTLY_ONCE).payload(m.getBytes()).send();
        }
        Mqtt5BlockingClient back = Mqtt5Client.builder().identifier("orphan").serverHost("127.0.0.1").serverPort(cluster.port(0))
                .buildBlocking();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = back.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(back.connectWith().cleanStart(false).sessionExpiryInterval(300).send().isSessionPresent());
            List<String> all = new java.util.ArrayList<>(before);
            all.addAll(after);
            assertEquals(all, ClusterRoutingTest.receive(in, "orphan/x", 20, java.time.Duration.ofMillis(300)));
            // the exactly-once counters the metrics export: one failover on the buddy, the session received back on n1
            assertEquals(failovers + 1, cluster.node(2).counters().failovers(), "n3 adopted n2's copy once");
            assertTrue(cluster.node(0).counters().sessionsTakenFromNodes() >= 1, "n1 received the session from n3");
        } finally {
            back.disconnect();
            pub.disconnect();
            cluster.start(1);
        }
    }

    /**
     * E3 when a forward comes back to the node that sent it: n3 publishes while the routes of n2, which it adopted,
     * still name n2, so its forward to n2 is sent on to its own intake. The sessions n3's routing reached already
     * (one of its own, and the one it adopted) must not get the message a second time.
     */
    @Test
    void aForwardThatComesBackToItsSenderAsTheAdopterReachesNoSessionTwice_E3() throws Exception {
        keptSessionOnN2("comeback", MqttQos.AT_LEAST_ONCE, 2);
        Mqtt5BlockingClient local = cluster.v5Client(2, "comeback-local");
        Mqtt5BlockingClient pub = cluster.v5Client(2, "comeback-pub");
        List<String> numbers = IntStream.range(0, 20).mapToObj(String::valueOf).toList();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = local.publishes(MqttGlobalPublishFilter.ALL)) {
            // at QoS 0 nothing but the ledger recognises a repeat (no in-flight set): at most once (MQTT-4.3.1)
            local.subscribeWith().topicFilter("comeback/#").qos(MqttQos.AT_MOST_ONCE).send();
            long failovers = cluster.node(2).counters().failovers();
            cluster.stop(1); // n3 adopts n2; n2's routes stay a while
            Await.until(() -> cluster.node(2).counters().failovers() == failovers + 1, Duration.ofSeconds(30), "n3 adopting n2");
            for (String n : numbers) {
                pub.publishWith().topic("comeback/x").qos(MqttQos.AT_LEAST_ONCE).payload(n.getBytes()).send();
            }
            assertEquals(numbers, ClusterRoutingTest.receive(in, "comeback/x", 20, Duration.ofMillis(500)), "n3's own subscriber, once each");
        } finally {
            local.disconnect();
        }
        Mqtt5BlockingClient back = Mqtt5Client.builder().identifier("comeback").serverHost("127.0.0.1").serverPort(cluster.port(2))
                .buildBlocking();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = back.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(back.connectWith().cleanStart(false).sessionExpiryInterval(300).send().isSessionPresent());
            assertEquals(numbers, ClusterRoutingTest.receive(in, "comeback/x", 20, Duration.ofMillis(500)), "the adopted session, once each");
        } finally {
            back.disconnect();
            pub.disconnect();
            cluster.start(1);
        }
    }

    /**
     * A batch of forwards routed to n2 in its earlier life and sent once n2 is back in a new one: it goes to n3,
     * which adopts the earlier life's sessions, not to the new life, which holds none of them (30-kill runs lost
     * 35-51 that way while the sender judged the life by the time of sending). Sent before n3 adopted, the batch
     * waits for the adoption.
     */
    @Test
    void aForwardMadeForAnEarlierLifeOfANodeReachesItsAdopterNotItsNewLife() throws Exception {
        keptSessionOnN2("lives", MqttQos.EXACTLY_ONCE, 0);
        String earlier = cluster.node(0).forwarding().lifeOf("n2");
        long failovers = cluster.node(2).counters().failovers();
        CompletableFuture<Void> restart = null;
        try {
            cluster.stop(1);
            // its start returns once n3 adopted the earlier life (the journal it replays names the session): the batch is sent before
            restart = CompletableFuture.runAsync(() -> cluster.start(1));
            Await.until(() -> cluster.node(0).forwarding().lifeOf("n2") != null && !earlier.equals(cluster.node(0).forwarding().lifeOf("n2")),
                    Duration.ofSeconds(30), "n1 seeing n2's new life");
            boolean adoptedYet = cluster.node(2).counters().failovers() > failovers;
            Message made = new Message(1L << 40, "lives/x", 2, false, "for-the-earlier-life".getBytes(StandardCharsets.UTF_8));
            cluster.node(0).forwarding().send("n2", earlier, List.of(new Forward(made, "lives-pub", true, List.of())))
                    .get(90, TimeUnit.SECONDS);
            System.out.printf("forward for n2's earlier life sent %s n3 adopted it%n", adoptedYet ? "after" : "before");
            Await.until(() -> cluster.node(2).counters().failovers() == failovers + 1, Duration.ofSeconds(30), "n3 adopting n2's earlier life");
            Mqtt5BlockingClient back = Mqtt5Client.builder().identifier("lives").serverHost("127.0.0.1").serverPort(cluster.port(0))
                    .buildBlocking();
            try (Mqtt5BlockingClient.Mqtt5Publishes in = back.publishes(MqttGlobalPublishFilter.ALL)) {
                assertTrue(back.connectWith().cleanStart(false).sessionExpiryInterval(300).send().isSessionPresent());
                assertEquals(List.of("for-the-earlier-life"), ClusterRoutingTest.receive(in, "lives/x", 1, Duration.ofMillis(500)));
            } finally {
                back.disconnect();
            }
        } finally {
            if (restart != null) {
                restart.get(60, TimeUnit.SECONDS);
            } else if (cluster.node(1) == null) {
                cluster.start(1);
            }
        }
    }

    /** A kept session {@code clientId} on n2, subscribed to {@code clientId/#}, offline once node {@code routedFrom} routes to it. */
    private static void keptSessionOnN2(String clientId, MqttQos qos, int routedFrom) throws InterruptedException {
        Mqtt5BlockingClient kept = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(cluster.port(1))
                .buildBlocking();
        kept.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = kept.publishes(MqttGlobalPublishFilter.ALL)) {
            kept.subscribeWith().topicFilter(clientId + "/#").qos(qos).send();
            cluster.awaitRoute(routedFrom, clientId + "/probe", in);
        }
        kept.disconnect();
    }
}
