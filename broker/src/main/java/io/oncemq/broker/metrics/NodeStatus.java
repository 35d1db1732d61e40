package io.oncemq.broker.metrics;

import io.oncemq.broker.Node;
import io.oncemq.broker.cluster.ClusterNode;
import io.oncemq.broker.session.Session;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The node's main figures, for the status page ({@code /api/status}) and the $SYS topics: totals only, no client ids. */
public final class NodeStatus {

    private NodeStatus() {
    }

    public static JsonObject of(Node node) {
        BrokerCounters c = node.counters();
        long queued = 0;
        long inflight = 0;
        long receipts = 0;
        int sessions = 0;
        if (node.sessions() != null) {
            for (Session s : node.sessions().all()) {
                queued += s.outbound().queued();
                inflight += s.outbound().inflightNow();
                receipts += s.inbound().heldCount();
                sessions++;
            }
        }
        ClusterNode cluster = node.cluster();
        JsonArray members = new JsonArray();
        if (cluster != null) {
            cluster.members().forEach(members::add);
        } else {
            members.add(node.nodeName());
        }
        return new JsonObject()
                .put("node", node.nodeName())
                .put("ready", node.ready())
                .put("uptimeSeconds", (System.currentTimeMillis() - node.startedAt()) / 1000)
                .put("members", members)
                .put("copyHolders", cluster == null ? null : cluster.copyHolders())
                .put("connections", node.connections() == null ? 0 : node.connections().open())
                .put("sessions", sessions)
                .put("queued", queued)
                .put("inflight", inflight)
                .put("heldReceipts", receipts)
                .put("messagesIn", new JsonArray().add(c.messagesIn(0)).add(c.messagesIn(1)).add(c.messagesIn(2)))
                .put("messagesOut", new JsonArray().add(c.messagesOut(0)).add(c.messagesOut(1)).add(c.messagesOut(2)))
                .put("bytesIn", c.bytesIn())
                .put("bytesOut", c.bytesOut())
                .put("dropped", (node.postOffice() == null ? 0 : node.postOffice().droppedCount()) + c.droppedSlowReader()
                        + c.droppedExpired() + c.droppedTooLarge())
                .put("exactlyOnce", new JsonObject()
                        .put("duplicatesSuppressed", c.duplicatesSuppressed())
                        .put("publishResends", c.publishResends())
                        .put("pubrelResends", c.pubrelResends())
                        .put("receiptsRerouted", c.receiptsRerouted())
                        .put("sessionsTakenOver", c.sessionsTakenOver())
                        .put("sessionsReceived", c.sessionsTakenFromNodes())
                        .put("failovers", c.failovers()));
    }
}
