package io.oncemq.broker;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin API over real HTTP: sessions with their in-flight windows, kicking a client, and who may ask. */
class AdminApiTest {

    private static final String TOKEN = "s3cret-admin-token-for-tests";

    @RegisterExtension
    final SecuredNodes nodes = new SecuredNodes();

    private static JsonObject client(JsonArray clients, String id) {
        for (int i = 0; i < clients.size(); i++) {
            if (clients.getJsonObject(i).getString("clientId").equals(id)) {
                return clients.getJsonObject(i);
            }
        }
        throw new AssertionError("client " + id + " not in " + clients.encode());
    }

    @Test
    void listShowsAClientWithItsInFlightWindowAndKickClosesItWithAdministrativeAction() throws Exception {
        Node node = nodes.start("http-port", "0", "max-inflight", "5");
        int http = node.httpPort();
        try (RawClient sub = RawClient.connected5(node.port(), "slow-sub"); RawClient pub = RawClient.connected5(node.port(), "pub")) {
            sub.subscribe5(1, "w/#", 2, 0);
            sub.expect(RawClient.SUBACK);
            pub.publish("w/a", 2, 3, false, "x", 5);
            pub.expect(RawClient.PUBREC);
            RawClient.Packet delivered = sub.expect(RawClient.PUBLISH); // never acknowledged: it stays in flight
            HttpResponse<String> list = HttpProbe.get(http, "/api/clients");
            assertEquals(200, list.statusCode(), list.body());
            JsonObject s = client(new JsonArray(list.body()), "slow-sub");
            assertTrue(s.getBoolean("connected"));
            assertEquals("5.0", s.getString("protocol"));
            assertEquals(5, s.getInteger("window"), "max-inflight");
            assertEquals(new JsonArray().add("w/#"), s.getJsonArray("subscriptions"));
            JsonArray inflight = s.getJsonArray("inflight");
            assertEquals(1, inflight.size(), inflight.encode());
            assertEquals(delivered.publishId(), inflight.getJsonObject(0).getInteger("packetId"));
            assertEquals("w/a", inflight.getJsonObject(0).getString("topic"));
            assertEquals("PUBLISH sent", inflight.getJsonObject(0).getString("state"));
            assertEquals(new JsonArray().add(3), client(new JsonArray(list.body()), "pub").getJsonArray("heldReceipts"));

            HttpResponse<String> kick = HttpProbe.post(http, "/api/clients/slow-sub/kick");
            assertEquals(200, kick.statusCode(), kick.body());
            RawClient.Packet disconnect = sub.expect(RawClient.DISCONNECT);
            assertEquals(0x98, disconnect.body()[0] & 0xFF, "Administrative action");
            assertTrue(sub.closedWithin(Duration.ofSeconds(5)));
            Await.until(() -> node.connections().open() == 1, Duration.ofSeconds(5), "the kicked connection is closed");
            assertEquals(404, HttpProbe.post(http, "/api/clients/nobody/kick").statusCode());
            HttpResponse<String> cluster = HttpProbe.get(http, "/api/cluster");
            assertEquals("local", new JsonObject(cluster.body()).getString("node"));
        }
    }

    @Test
    void withAPasswordFileTheAdminApiNeedsTheTokenWhileHealthAndMetricsStayOpen() throws Exception {
        Node node = nodes.start("http-port", "0", "password-file", nodes.passwords("alice", "pw").toString(), "admin-token", TOKEN);
        int http = node.httpPort();
        assertEquals(401, HttpProbe.get(http, "/api/clients").statusCode());
        assertEquals(401, HttpProbe.get(http, "/api/clients", "Authorization", "Bearer wrong-token-wrong-token").statusCode());
        assertEquals(401, HttpProbe.post(http, "/api/clients/x/kick").statusCode());
        HttpResponse<String> ok = HttpProbe.get(http, "/api/clients", "Authorization", "Bearer " + TOKEN);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(200, HttpProbe.get(http, "/health/ready").statusCode());
        assertEquals(200, HttpProbe.get(http, "/metrics").statusCode());
    }

    @Test
    void withAPasswordFileAndNoTokenTheAdminApiIsClosed() throws Exception {
        Node node = nodes.start("http-port", "0", "password-file", nodes.passwords("alice", "pw").toString());
        HttpResponse<String> r = HttpProbe.get(node.httpPort(), "/api/clients");
        assertEquals(403, r.statusCode());
        assertTrue(r.body().contains("admin-token"), r.body());
    }
}
