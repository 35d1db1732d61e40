package io.oncemq.broker;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Node.stop in order: while a subscriber holds a QoS 1 message unacknowledged the node drains for
 * {@code shutdown-grace}; meanwhile /health/ready says 503 ("stopping") and the MQTT port accepts no new connection;
 * at the end an MQTT 5 client gets DISCONNECT 0x8B, and the stop ends within its bound.
 */
class GracefulStopTest {

    @RegisterExtension
    final TestNode node = new TestNode(Map.of("http-port", "0", "sys-interval", "0", "shutdown-grace", "2"));

    @Test
    void drainsWithinTheGraceNotReadyAndNotAcceptingThenDisconnects0x8B() throws Exception {
        CompletableFuture<Object> disconnected = new CompletableFuture<>();
        Mqtt5AsyncClient v5 = Mqtt5Client.builder().identifier("v5-watch").serverHost("127.0.0.1").serverPort(node.port())
                .addDisconnectedListener(ctx -> disconnected.complete(ctx.getCause())).buildAsync();
        v5.connectWith().cleanStart(false).sessionExpiryInterval(300).send().get(10, TimeUnit.SECONDS);
        try (RawClient lazy = new RawClient(node.port()).connectAndSubscribe("lazy", false, "drain/t", 1)) {
            node.v5Client("pub").publishWith().topic("drain/t").qos(MqttQos.AT_LEAST_ONCE).payload("1".getBytes()).send();
            lazy.expect(RawClient.PUBLISH); // and never PUBACK: the session has a message in flight
            int http = node.node().httpPort();
            int mqtt = node.port();
            long start = System.nanoTime();
            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> node.node().stop());

            HttpResponse<String> ready = HttpProbe.get(http, "/health/ready");
            for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1); ready.statusCode() == 200 && System.nanoTime() < until; ) {
                ready = HttpProbe.get(http, "/health/ready");
            }
            assertEquals(503, ready.statusCode(), ready.body());
            JsonObject body = new JsonObject(ready.body());
            assertTrue(body.getBoolean("stopping"), ready.body());
            assertTrue(body.getBoolean("quorum"), "a node alone always has quorum: " + ready.body());
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", mqtt).close(), "the listener accepts no connection");
            assertFalse(stop.isDone(), "still draining while the QoS 1 message is in flight");

            stop.get(2 + GracefulStop.BOUND_AFTER_GRACE_MILLIS / 1000, TimeUnit.SECONDS);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(took >= 1900, "the grace of 2 s is given to the unacknowledged message: " + took + " ms");
            Object cause = disconnected.get(5, TimeUnit.SECONDS);
            Mqtt5DisconnectException d = assertInstanceOf(Mqtt5DisconnectException.class, cause);
            assertEquals(Mqtt5DisconnectReasonCode.SERVER_SHUTTING_DOWN, d.getMqttMessage().getReasonCode());
            assertTrue(lazy.closedWithin(Duration.ofSeconds(2)), "the 3.1.1 subscriber's connection is closed");
        }
    }

    @Test
    void anIdleNodeStopsAtOnce() throws Exception {
        node.v5Client("idle");
        long start = System.nanoTime();
        node.node().stop();
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(took < 1500, "nothing in flight: no grace waited, stopped in " + took + " ms");
        assertThrows(IOException.class, () -> HttpProbe.get(node.node().httpPort(), "/health/live"));
    }
}
