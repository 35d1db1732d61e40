package io.oncemq.broker.http;

import io.oncemq.broker.Node;
import io.oncemq.broker.metrics.Metrics;
import io.oncemq.broker.metrics.NodeStatus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The node's one HTTP listener, on its own event loop: {@code /metrics}, {@code /health/live},
 * {@code /health/ready}, the status page with {@code /api/status}, and the admin API under {@code /api/}.
 */
public final class HttpVerticle extends VerticleBase {

    private static final Logger log = LoggerFactory.getLogger(HttpVerticle.class);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON = "application/json";
    private static final String KICK = "/kick";
    private static final String CLIENTS = "/api/clients/";

    private final Node node;
    private final AdminAccess admin;
    private final AdminApi api;
    private final Buffer page;
    private HttpServer server;

    public HttpVerticle(Node node) {
        this.node = node;
        this.admin = new AdminAccess(node.config());
        this.api = new AdminApi(node);
        this.page = Buffer.buffer(resource("status.html"));
    }

    @Override
    public Future<?> start() {
        server = vertx.createHttpServer(new HttpServerOptions()
                .setHost(node.config().monitor().httpHost())
                .setPort(node.config().monitor().httpPort()));
        server.requestHandler(this::handle);
        return server.listen().onSuccess(s -> {
            node.httpListening(s.actualPort());
            log.info("HTTP listener on {}:{}: /metrics, /health/live, /health/ready, /api/ (admin), / (status page)",
                    node.config().monitor().httpHost(), s.actualPort());
        });
    }

    @Override
    public Future<?> stop() {
        return server.close();
    }

    private void handle(HttpServerRequest req) {
        String path = req.path();
        boolean get = req.method() == HttpMethod.GET;
        if (get && path.equals("/metrics")) {
            metrics(req);
        } else if (get && path.equals("/health/live")) {
            json(req, 200, new JsonObject().put("status", "live"));
        } else if (get && path.equals("/health/ready")) {
            boolean ready = node.ready();
            json(req, ready ? 200 : 503, new JsonObject().put("status", ready ? "ready" : "not ready")
                    .put("listeners", node.listenersUp()).put("journalReplayed", node.journalReplayed())
                    .put("clusterJoined", node.clusterJoined()).put("quorum", node.quorum()).put("stopping", node.stopping()));
        } else if (get && (path.equals("/") || path.equals("/status"))) {
            req.response().putHeader("Content-Type", "text/html; charset=utf-8").putHeader("Cache-Control", "no-store").end(page);
        } else if (get && path.equals("/api/status")) {
            // sums over every session: on a worker thread, like a scrape
            vertx.executeBlocking(() -> NodeStatus.of(node), false).onComplete(ar -> {
                if (ar.succeeded()) {
                    json(req, 200, ar.result());
                } else {
                    text(req, 500, "status failed: " + ar.cause());
                }
            });
        } else if (path.startsWith("/api/")) {
            adminRequest(req, path, get);
        } else {
            text(req, 404, "not found: " + path);
        }
    }

    private void adminRequest(HttpServerRequest req, String path, boolean get) {
        AdminAccess.Refusal refusal = admin.check(req);
        if (refusal != null) {
            if (refusal.status() == 401) {
                req.response().putHeader("WWW-Authenticate", "Bearer realm=\"oncemq\"");
            }
            text(req, refusal.status(), refusal.reason());
            return;
        }
        if (!node.ready()) {
            text(req, 503, "not ready");
        } else if (get && path.equals("/api/clients")) {
            api.clients().onComplete(ar -> {
                if (ar.succeeded()) {
                    req.response().setStatusCode(200).putHeader("Content-Type", JSON).end(ar.result().encode());
                } else {
                    text(req, 500, "reading the sessions failed: " + ar.cause());
                }
            });
        } else if (get && path.equals("/api/cluster")) {
            json(req, 200, api.cluster());
        } else if (req.method() == HttpMethod.POST && path.startsWith(CLIENTS) && path.endsWith(KICK)
                && path.length() > CLIENTS.length() + KICK.length()) {
            String clientId = URLDecoder.decode(path.substring(CLIENTS.length(), path.length() - KICK.length()).replace("+", "%2B"),
                    StandardCharsets.UTF_8);
            api.kick(clientId).onComplete(ar -> {
                if (ar.failed()) {
                    text(req, 500, "kick failed: " + ar.cause());
                } else {
                    json(req, ar.result() ? 200 : 404, new JsonObject().put("clientId", clientId).put("kicked", ar.result()));
                }
            });
        } else {
            text(req, 404, "not found: " + req.method() + " " + path);
        }
    }

    /** Scraping reads every session's counters: a worker thread does it, never this event loop. */
    private void metrics(HttpServerRequest req) {
        Metrics m = node.metrics();
        if (m == null) {
            text(req, 503, "starting: sessions are being restored");
            return;
        }
        vertx.executeBlocking(m::scrape, false).onComplete(ar -> {
            if (ar.succeeded()) {
                req.response().putHeader("Content-Type", PROMETHEUS_TEXT).end(ar.result());
            } else {
                text(req, 500, "scrape failed: " + ar.cause());
            }
        });
    }

    private static void json(HttpServerRequest req, int status, JsonObject body) {
        req.response().setStatusCode(status).putHeader("Content-Type", JSON).end(body.encode());
    }

    private static void text(HttpServerRequest req, int status, String body) {
        req.response().setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8").end(body + "\n");
    }

    private static byte[] resource(String name) {
        try (InputStream in = HttpVerticle.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
