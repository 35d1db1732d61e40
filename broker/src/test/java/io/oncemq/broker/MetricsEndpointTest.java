package io.oncemq.broker;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /metrics and /health over a real HTTP socket, with counters moved by real MQTT clients. */
class MetricsEndpointTest {

    @RegisterExtension
    final TestNode node = new TestNode(Map.of("http-port", "0", "sys-interval", "0"));

    private double sample(String name, String labels) throws Exception {
        Map<String, Double> all = HttpProbe.scrape(node.node().httpPort());
        Double v = all.get(name + "{" + labels + "}");
        if (v == null) {
            throw new AssertionError("no sample " + name + "{" + labels + "} in /metrics");
        }
        return v;
    }

    @Test
    void countersMoveWithQos0To2AndADuplicateQos2PublishIsCountedAsSuppressed() throws Exception {
        Mqtt5BlockingClient sub = node.v5Client("sub");
        try (Mqtt5BlockingClient.Mqtt5Publishes received = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("m/#").qos(MqttQos.EXACTLY_ONCE).send();
            try (RawClient pub = RawClient.connected5(node.port(), "pub")) {
                pub.publish("m/0", 0, 0, false, "zero", 5);
                pub.publish("m/1", 1, 1, false, "one", 5);
                pub.expect(RawClient.PUBACK);
                pub.publish("m/2", 2, 7, false, "two", 5);
                assertEquals(7, pub.expect(RawClient.PUBREC).packetId());
                pub.publish("m/2", 2, 7, true, "two", 5); // the same packet id again, DUP set: E1 answers, never routes
                assertEquals(7, pub.expect(RawClient.PUBREC).packetId());
                pub.ack(RawClient.PUBREL, 7);
                pub.expect(RawClient.PUBCOMP);
                for (int i = 0; i < 3; i++) {
                    assertTrue(received.receive(10, TimeUnit.SECONDS).isPresent(), "message " + i + " delivered");
                }
                assertTrue(received.receive(300, TimeUnit.MILLISECONDS).isEmpty(), "the duplicate is not delivered");
                String n = "node=\"local\"";
                assertEquals(1.0, sample("oncemq_messages_in_total", n + ",qos=\"0\""));
                assertEquals(1.0, sample("oncemq_messages_in_total", n + ",qos=\"1\""));
                assertEquals(1.0, sample("oncemq_messages_in_total", n + ",qos=\"2\""), "the duplicate is not a new message");
                assertEquals(1.0, sample("oncemq_duplicate_publishes_suppressed_total", n));
                assertEquals(1.0, sample("oncemq_messages_out_total", n + ",qos=\"0\""));
                assertEquals(1.0, sample("oncemq_messages_out_total", n + ",qos=\"1\""));
                Await.until(() -> {
                    try {
                        return sample("oncemq_messages_out_total", n + ",qos=\"2\"") == 1.0 && sample("oncemq_inflight_messages", n) == 0.0;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, Duration.ofSeconds(10), "the QoS 2 delivery completed");
                assertEquals(4 + 3 + 3, sample("oncemq_bytes_in_total", n), "payload bytes in");
                assertEquals(2.0, sample("oncemq_connections", n));
                assertTrue(sample("oncemq_journal_append_seconds_count", n) >= 0);
                assertEquals(0.0, sample("oncemq_dropped_messages_total", n + ",reason=\"queue_full\""));
                assertEquals(0.0, sample("oncemq_failed_logins_total", n));
            }
        } finally {
            sub.disconnect();
        }
    }

    @Test
    void everyNodeMetricTheReadmeListsIsExported() throws Exception {
        Map<String, Double> all = HttpProbe.scrape(node.node().httpPort());
        for (String name : List.of("oncemq_connections", "oncemq_sessions", "oncemq_messages_in_total", "oncemq_messages_out_total",
                "oncemq_bytes_in_total", "oncemq_bytes_out_total", "oncemq_queued_messages", "oncemq_inflight_messages",
                "oncemq_inbound_receipts", "oncemq_retained_messages", "oncemq_dropped_messages_total",
                "oncemq_duplicate_publishes_suppressed_total", "oncemq_publish_resends_total", "oncemq_pubrel_resends_total",
                "oncemq_receipts_rerouted_total", "oncemq_sessions_taken_over_total", "oncemq_sessions_received_total",
                "oncemq_failovers_total", "oncemq_admin_kicks_total", "oncemq_failed_logins_total", "oncemq_denied_subscribes_total",
                "oncemq_denied_publishes_total", "oncemq_journal_append_seconds_count", "oncemq_journal_append_seconds_sum",
                "oncemq_journal_sync_seconds_count", "jvm_memory_used_bytes", "process_cpu_usage")) {
            assertTrue(all.keySet().stream().anyMatch(k -> k.equals(name) || k.startsWith(name + "{")), name + " in /metrics");
        }
    }

    @Test
    void healthIsLiveAndReadyOnceStarted() throws Exception {
        int http = node.node().httpPort();
        assertEquals(200, HttpProbe.get(http, "/health/live").statusCode());
        HttpResponse<String> ready = HttpProbe.get(http, "/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        JsonObject body = new JsonObject(ready.body());
        assertEquals("ready", body.getString("status"));
        assertTrue(body.getBoolean("listeners") && body.getBoolean("journalReplayed") && body.getBoolean("clusterJoined"));
        assertEquals(404, HttpProbe.get(http, "/nothing-here").statusCode());
    }
}
