package io.oncemq.broker;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The $SYS/broker/<node>/... figures: retained for a new subscriber, refreshed every sys-interval, unseen by '#'. */
class SysTopicsTest {

    @RegisterExtension
    final TestNode node = new TestNode(Map.of("sys-interval", "1"));

    @Test
    void figuresAreRetainedAndRefreshedAndALeadingWildcardDoesNotSeeThem() throws Exception {
        Mqtt5BlockingClient all = node.v5Client("wildcard");
        Mqtt5BlockingClient sys = node.v5Client("sys-reader");
        try (Mqtt5BlockingClient.Mqtt5Publishes everything = all.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes figures = sys.publishes(MqttGlobalPublishFilter.ALL)) {
            all.subscribeWith().topicFilter("#").qos(MqttQos.AT_MOST_ONCE).send();
            all.subscribeWith().topicFilter("+/broker/#").qos(MqttQos.AT_MOST_ONCE).send();
            sys.subscribeWith().topicFilter("$SYS/broker/local/connections").qos(MqttQos.AT_MOST_ONCE).send();
            Optional<Mqtt5Publish> retained = figures.receive(10, TimeUnit.SECONDS);
            assertTrue(retained.isPresent(), "the retained figure");
            assertTrue(retained.get().isRetain());
            // the figure of the last update (0, 1 or 2: updates run while the clients connect)
            assertTrue(Integer.parseInt(new String(retained.get().getPayloadAsBytes(), StandardCharsets.UTF_8)) <= 2);
            Mqtt5BlockingClient third = node.v5Client("third");
            try {
                // refreshed within sys-interval: live (not retained) now, with the third connection counted
                boolean seen = false;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!seen && System.nanoTime() < deadline) {
                    Optional<Mqtt5Publish> next = figures.receive(1, TimeUnit.SECONDS);
                    seen = next.isPresent() && new String(next.get().getPayloadAsBytes(), StandardCharsets.UTF_8).equals("3");
                }
                assertTrue(seen, "a refreshed figure with 3 connections");
            } finally {
                third.disconnect();
            }
            assertTrue(everything.receive(500, TimeUnit.MILLISECONDS).isEmpty(), "'#' and '+/...' match no $ topic (MQTT-4.7.2-1)");
        } finally {
            all.disconnect();
            sys.disconnect();
        }
    }
}
