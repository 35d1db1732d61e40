package io.oncemq.broker.metrics;

import io.oncemq.broker.Node;
import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.PostOffice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Publishes the node's main figures ({@link NodeStatus}) every {@code sys-interval} seconds as retained QoS 0
 * messages on {@code $SYS/broker/<node>/<figure>}, for MQTT-only users. Retained in memory only: not journaled
 * (a restarted node's old figures would mislead), and a leading wildcard never matches them (MQTT-4.7.2-1).
 */
public final class SysTopics {

    private final Node node;
    private final JournalBatcher home;
    private final String prefix;

    public SysTopics(Node node, JournalBatcher home) {
        this.node = node;
        this.home = home;
        this.prefix = "$SYS/broker/" + node.nodeName().replaceAll("[/+#]", "_") + "/";
    }

    /** Publishes now and then every {@code seconds}: figures gathered on a worker (they sum every session), published on the home loop. */
    public void start(Vertx vertx, int seconds) {
        publishAll(vertx);
        vertx.setPeriodic(seconds * 1000L, id -> publishAll(vertx));
    }

    private void publishAll(Vertx vertx) {
        if (node.stopping()) {
            return;
        }
        vertx.executeBlocking(() -> NodeStatus.of(node), false)
                .onSuccess(figures -> home.context().runOnContext(v -> publish("", figures)));
    }

    private void publish(String path, JsonObject figures) {
        for (Map.Entry<String, Object> e : figures) {
            String topic = path + e.getKey();
            Object v = e.getValue();
            if (v == null) {
                continue; // no copy holders for a node alone
            } else if (v instanceof JsonObject o) {
                publish(topic + "/", o);
            } else if (v instanceof JsonArray a && e.getKey().startsWith("messages")) {
                for (int qos = 0; qos < a.size(); qos++) {
                    publish(topic + "/qos" + qos, String.valueOf(a.getValue(qos)));
                }
            } else if (v instanceof JsonArray a) {
                publish(topic, String.join(",", a.getList().stream().map(String::valueOf).toList()));
            } else {
                publish(topic, String.valueOf(v));
            }
        }
    }

    /** Live to this node's (and, in a cluster, other nodes') subscribers, retained here; nothing journaled. */
    private void publish(String figure, String value) {
        PostOffice postOffice = node.postOffice();
        byte[] payload = value.getBytes(StandardCharsets.UTF_8);
        String topic = prefix + figure;
        Message live = new Message(postOffice.nextMessageId(), topic, 0, false, payload);
        // QoS 0 and not retained: route() records nothing (no receipt, no Enqueued, no retained change)
        List<PostOffice.Target> targets = postOffice.route(live, null, home, List.of()).targets();
        postOffice.retained().set(live.withRetain(true));
        home.then(() -> postOffice.dispatch(live, targets));
    }
}
