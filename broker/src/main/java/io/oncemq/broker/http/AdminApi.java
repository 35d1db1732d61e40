package io.oncemq.broker.http;

import io.oncemq.broker.Node;
import io.oncemq.broker.qos.OutboundFlow;
import io.oncemq.broker.server.Connection;
import io.oncemq.broker.session.Session;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The admin API's reads and actions. A session is read and changed only on its own event loop (STYLE rule 1):
 * each is asked there and the answers gathered, bounded by a timeout.
 */
final class AdminApi {

    private static final long TIMEOUT_SECONDS = 5;

    private final Node node;

    AdminApi(Node node) {
        this.node = node;
    }

    /** Every session: connection, subscriptions, queue and in-flight window with each packet id's state. */
    Future<JsonArray> clients() {
        List<Future<JsonObject>> each = new ArrayList<>();
        for (Session s : node.sessions().all()) {
            Promise<JsonObject> p = Promise.promise();
            s.run(() -> p.complete(describe(s)));
            each.add(p.future());
        }
        return Future.all(each).timeout(TIMEOUT_SECONDS, TimeUnit.SECONDS).map(all -> {
            JsonArray out = new JsonArray();
            for (int i = 0; i < all.size(); i++) {
                JsonObject o = all.resultAt(i);
                if (o != null) {
                    out.add(o);
                }
            }
            return out;
        });
    }

    /** Closes the client's connection (5.0: DISCONNECT 0x98); false when the client is not connected here. */
    Future<Boolean> kick(String clientId) {
        Session s = node.sessions().get(clientId);
        if (s == null) {
            return Future.succeededFuture(false);
        }
        Promise<Boolean> p = Promise.promise();
        s.run(() -> {
            if (s.connection() instanceof Connection c) {
                c.kick();
                p.complete(true);
            } else {
                p.complete(false);
            }
        });
        return p.future().timeout(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** This node, the holders of its journal copies and the members it sees. */
    JsonObject cluster() {
        JsonArray members = new JsonArray();
        if (node.cluster() != null) {
            node.cluster().members().forEach(members::add);
        }
        return new JsonObject().put("node", node.nodeName()).put("clustered", node.cluster() != null)
                .put("copyHolders", node.cluster() == null ? null : node.cluster().copyHolders()).put("members", members);
    }

    /** On the session's loop. */
    private static JsonObject describe(Session s) {
        if (s.ended()) {
            return null;
        }
        JsonArray inflight = new JsonArray();
        for (OutboundFlow.Pending f : s.outbound().pending()) {
            inflight.add(new JsonObject().put("packetId", f.packetId()).put("qos", f.qos()).put("topic", f.topic())
                    .put("state", f.pubrecReceived() ? "PUBREC received, PUBREL sent" : "PUBLISH sent"));
        }
        JsonObject o = new JsonObject()
                .put("clientId", s.clientId())
                .put("connected", s.connection() instanceof Connection)
                .put("kept", s.persistent())
                .put("expirySeconds", s.expirySeconds())
                .put("subscriptions", new JsonArray(new ArrayList<>(s.subscriptions().keySet())))
                .put("queued", s.outbound().queued())
                .put("window", s.outbound().window())
                .put("inflight", inflight)
                .put("heldReceipts", new JsonArray(new ArrayList<>(s.inbound().held().keySet())));
        if (s.connection() instanceof Connection c) {
            o.put("protocol", c.protocol()).put("remote", c.remoteAddress());
        }
        if (s.movedTo() != null) {
            o.put("movedTo", s.movedTo());
        }
        return o;
    }
}
