package io.oncemq.broker;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.oncemq.broker.cluster.Forward;
import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.MessageProperties;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two joined nodes: subscriptions on one node get what is published on the other, once (issue 5, routing). */
class ClusterRoutingTest {

    @RegisterExtension
    static final TestCluster cluster = new TestCluster(2);

    private static final Duration WAIT = Duration.ofSeconds(20);

    /** What {@code in} gets on topic {@code topic} (probes ignored) until {@code n} arrived or nothing more comes. */
    static List<String> receive(Mqtt5BlockingClient.Mqtt5Publishes in, String topic, int n, Duration quiet)
            throws InterruptedException {
        List<String> got = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Mqtt5Publish> p = in.receive(got.size() >= n ? quiet.toMillis() : 1000, TimeUnit.MILLISECONDS);
            if (p.isEmpty()) {
                if (got.size() >= n) {
                    break;
                }
                continue;
            }
            if (p.get().getTopic().toString().equals(topic)) {
                got.add(new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
            }
        }
        return got;
    }

    private static List<String> numbers(int n) {
        return IntStream.range(0, n).mapToObj(String::valueOf).toList();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void aMessagePublishedOnOneNodeReachesASubscriberOnTheOtherOnceAndInOrder(int qos) throws Exception {
        String base = "routing/q" + qos;
        Mqtt5BlockingClient sub = cluster.v5Client(1, "sub-q" + qos);
        Mqtt5BlockingClient pub = cluster.v5Client(0, "pub-q" + qos);
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter(base + "/#").qos(MqttQos.EXACTLY_ONCE).send();
            cluster.awaitRoute(0, base + "/probe", in);
            for (String n : numbers(200)) {
                pub.publishWith().topic(base + "/data").qos(MqttQos.fromCode(qos)).payload(n.getBytes()).send();
            }
            assertEquals(numbers(200), receive(in, base + "/data", 200, Duration.ofMillis(300)));
        } finally {
            pub.disconnect();
            sub.disconnect();
        }
    }

    @Test
    void subscribersOnBothNodesEachGetOneCopy() throws Exception {
        Mqtt5BlockingClient local = cluster.v5Client(0, "both-local");
        Mqtt5BlockingClient remote = cluster.v5Client(1, "both-remote");
        Mqtt5BlockingClient pub = cluster.v5Client(0, "both-pub");
        try (Mqtt5BlockingClient.Mqtt5Publishes inLocal = local.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes inRemote = remote.publishes(MqttGlobalPublishFilter.ALL)) {
            local.subscribeWith().topicFilter("both/+").qos(MqttQos.EXACTLY_ONCE).send();
            remote.subscribeWith().topicFilter("both/#").qos(MqttQos.EXACTLY_ONCE).send();
            cluster.awaitRoute(0, "both/probe", inRemote);
            for (String n : numbers(50)) {
                pub.publishWith().topic("both/data").qos(MqttQos.EXACTLY_ONCE).payload(n.getBytes()).send();
            }
            assertEquals(numbers(50), receive(inRemote, "both/data", 50, Duration.ofMillis(300)));
            assertEquals(numbers(50), receive(inLocal, "both/data", 50, Duration.ofMillis(300)));
        } finally {
            pub.disconnect();
            local.disconnect();
            remote.disconnect();
        }
    }

    @Test
    void aSharedSubscriptionWithMembersOnBothNodesGetsEachMessageOnce_MQTT_4_8_2_3() throws Exception {
        Mqtt5BlockingClient a = cluster.v5Client(0, "share-a");
        Mqtt5BlockingClient b = cluster.v5Client(1, "share-b");
        Mqtt5BlockingClient pub = cluster.v5Client(0, "share-pub");
        try (Mqtt5BlockingClient.Mqtt5Publishes inA = a.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes inB = b.publishes(MqttGlobalPublishFilter.ALL)) {
            a.subscribeWith().topicFilter("$share/g/shared/#").qos(MqttQos.AT_LEAST_ONCE).send();
            b.subscribeWith().topicFilter("$share/g/shared/#").qos(MqttQos.AT_LEAST_ONCE).send();
            cluster.awaitRoute(0, "shared/probe", inB);
            for (String n : numbers(100)) {
                pub.publishWith().topic("shared/data").qos(MqttQos.AT_LEAST_ONCE).payload(n.getBytes()).send();
            }
            List<String> gotA = new ArrayList<>();
            List<String> gotB = new ArrayList<>();
            Await.until(() -> {
                gotA.addAll(drain(inA, "shared/data"));
                gotB.addAll(drain(inB, "shared/data"));
                return gotA.size() + gotB.size() >= 100;
            }, WAIT, "100 shared messages");
            gotA.addAll(receive(inA, "shared/data", 0, Duration.ofMillis(300)));
            gotB.addAll(receive(inB, "shared/data", 0, Duration.ofMillis(300)));
            List<String> all = new ArrayList<>(gotA);
            all.addAll(gotB);
            assertEquals(100, all.size(), "each message to one member only");
            assertEquals(new HashSet<>(numbers(100)), new HashSet<>(all));
            assertTrue(!gotA.isEmpty() && !gotB.isEmpty(), "both nodes take turns: " + gotA.size() + " / " + gotB.size());
        } finally {
            pub.disconnect();
            a.disconnect();
            b.disconnect();
        }
    }

    /**
     * E3 for a shared subscription: a forward sent again (its answer lost, or sent on to an adopter) must not reach
     * a second member of the group; the group's next turn would pick the other member.
     */
    @Test
    void aRepeatedForwardReachesASharedGroupOnce_E3() throws Exception {
        Mqtt5BlockingClient a = cluster.v5Client(1, "repeat-a");
        Mqtt5BlockingClient b = cluster.v5Client(1, "repeat-b");
        try (Mqtt5BlockingClient.Mqtt5Publishes inA = a.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes inB = b.publishes(MqttGlobalPublishFilter.ALL)) {
            a.subscribeWith().topicFilter("$share/rg/repeat/#").qos(MqttQos.AT_LEAST_ONCE).send();
            b.subscribeWith().topicFilter("$share/rg/repeat/#").qos(MqttQos.AT_LEAST_ONCE).send();
            Message m = new Message(1, "repeat/x", 1, false, "once".getBytes(), MessageProperties.NONE, "elsewhere/1", 1);
            List<Forward> batch = List.of(new Forward(m, null, false, List.of("$share/rg/repeat/#")));
            JournalBatcher.Forwarding forwarding = cluster.node(0).forwarding();
            forwarding.send("n2", forwarding.lifeOf("n2"), batch).get(10, TimeUnit.SECONDS);
            forwarding.send("n2", forwarding.lifeOf("n2"), batch).get(10, TimeUnit.SECONDS); // the same forward again
            List<String> got = new ArrayList<>();
            Await.until(() -> {
                got.addAll(drain(inA, "repeat/x"));
                got.addAll(drain(inB, "repeat/x"));
                return !got.isEmpty();
            }, WAIT, "the forwarded message");
            got.addAll(receive(inA, "repeat/x", 0, Duration.ofMillis(300)));
            got.addAll(receive(inB, "repeat/x", 0, Duration.ofMillis(300)));
            assertEquals(List.of("once"), got, "one member of the group, once");
        } finally {
            a.disconnect();
            b.disconnect();
        }
    }

    private static List<String> drain(Mqtt5BlockingClient.Mqtt5Publishes in, String topic) {
        List<String> got = new ArrayList<>();
        try {
            for (Optional<Mqtt5Publish> p = in.receiveNow(); p.isPresent(); p = in.receiveNow()) {
                if (p.get().getTopic().toString().equals(topic)) {
                    got.add(new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
                }
            }
        } catch (RuntimeException e) {
            throw e;
        }
        return got;
    }

    @Test
    void aRetainedMessageSetOnOneNodeIsDeliveredOnSubscribeOnTheOther() throws Exception {
        Mqtt5BlockingClient pub = cluster.v5Client(0, "retain-pub");
        // PUBACK waits for every node to hold the retained message: no route table involved
        pub.publishWith().topic("retained/door").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload("open".getBytes()).send();
        Mqtt5BlockingClient sub = cluster.v5Client(1, "retain-sub");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("retained/+").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5Publish got = in.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertEquals("open", new String(got.getPayloadAsBytes(), StandardCharsets.UTF_8));
            assertTrue(got.isRetain());
        } finally {
            sub.disconnect();
        }
        pub.publishWith().topic("retained/door").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(new byte[0]).send();
        pub.disconnect();
        Mqtt5BlockingClient again = cluster.v5Client(1, "retain-sub2");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = again.publishes(MqttGlobalPublishFilter.ALL)) {
            again.subscribeWith().topicFilter("retained/+").qos(MqttQos.AT_LEAST_ONCE).send();
            assertEquals(Optional.empty(), in.receive(300, TimeUnit.MILLISECONDS), "cleared on every node");
        } finally {
            again.disconnect();
        }
    }

    @Test
    void theWillOfAConnectionThatBreaksOnOneNodeReachesSubscribersOnTheOther() throws Exception {
        Mqtt5BlockingClient sub = cluster.v5Client(1, "will-watch");
        MqttClient dying = new MqttClient("tcp://127.0.0.1:" + cluster.port(0), "will-dying", new MemoryPersistence());
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("wills/#").qos(MqttQos.AT_LEAST_ONCE).send();
            cluster.awaitRoute(0, "wills/probe", in);
            MqttConnectOptions options = new MqttConnectOptions();
            options.setWill("wills/dying", "gone".getBytes(), 1, false);
            dying.connect(options);
            dying.disconnectForcibly(0, 0, false); // the socket closes without DISCONNECT
            assertEquals(List.of("gone"), receive(in, "wills/dying", 1, Duration.ofMillis(300)));
        } finally {
            dying.close(true);
            sub.disconnect();
        }
    }

    /**
     * A shared subscription's turn that reaches a node with no member of the group (a route left by an earlier life
     * of that node, or by a member that moved away) goes on to a node with members instead of being lost.
     */
    @Test
    void aGroupsTurnOnANodeWithoutMembersGoesOnToOneWithMembers() throws Exception {
        Mqtt5BlockingClient member = cluster.v5Client(1, "turn-member");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = member.publishes(MqttGlobalPublishFilter.ALL)) {
            member.subscribeWith().topicFilter("$share/tg/turn/#").qos(MqttQos.AT_LEAST_ONCE).send();
            cluster.awaitRoute(0, "turn/probe", in); // n1 knows the group's member on n2
            Message m = new Message(1, "turn/x", 1, false, "passed on".getBytes(), MessageProperties.NONE, "elsewhere/2", 7);
            JournalBatcher.Forwarding fromN2 = cluster.node(1).forwarding();
            // n2 gives the group's turn to n1, as a stale route of n1 would make it do
            fromN2.send("n1", fromN2.lifeOf("n1"), List.of(new Forward(m, null, false, List.of("$share/tg/turn/#"))))
                    .get(20, TimeUnit.SECONDS);
            assertEquals(List.of("passed on"), receive(in, "turn/x", 1, Duration.ofMillis(300)));
        } finally {
            member.disconnect();
        }
    }

    /** Node 1 forwards to node 2's life now, as its routing would. */
    private static void forwardToN2(Forward f) throws Exception {
        JournalBatcher.Forwarding forwarding = cluster.node(0).forwarding();
        forwarding.send("n2", forwarding.lifeOf("n2"), List.of(f)).get(20, TimeUnit.SECONDS);
    }

    @Test
    void aRetriedForwardIsANoOpAlsoAfterTheReceiverRestarts_E3() throws Exception {
        long id = Long.MAX_VALUE - System.nanoTime() % 1_000_000;
        Forward f = new Forward(new Message(id, "retry/x", 2, false, "once".getBytes()), null, true, List.of());
        Mqtt5BlockingClient sub = cluster.v5Client(1, "retry-sub");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("retry/#").qos(MqttQos.EXACTLY_ONCE).send();
            // the same batch twice, as after an answer lost on the way back
            forwardToN2(f);
            forwardToN2(f);
            assertEquals(List.of("once"), receive(in, "retry/x", 1, Duration.ofMillis(300)));
        } finally {
            sub.disconnect();
        }
        cluster.stop(1);
        cluster.start(1);
        Mqtt5BlockingClient again = cluster.v5Client(1, "retry-sub2");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = again.publishes(MqttGlobalPublishFilter.ALL)) {
            again.subscribeWith().topicFilter("retry/#").qos(MqttQos.EXACTLY_ONCE).send();
            // the node remembers from its journal that it took this one: a retry after its restart is a no-op too
            forwardToN2(f);
            Forward next = new Forward(new Message(id - 1_000_000, "retry/x", 2, false, "next".getBytes()), null, true, List.of());
            forwardToN2(next);
            assertEquals(List.of("next"), receive(in, "retry/x", 1, Duration.ofMillis(300)));
        } finally {
            again.disconnect();
        }
    }
}
