package io.oncemq.broker.http;

import io.oncemq.broker.Config;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may use the admin API. With an {@code admin-token}: whoever sends {@code Authorization: Bearer <token>}.
 * Without one: nobody when a {@code password-file} is set (auth on), loopback clients only when not (as MQTT
 * itself without a password file).
 */
final class AdminAccess {

    /** Why a request is refused, or null when it may go on. */
    record Refusal(int status, String reason) {
    }

    private final byte[] token;
    private final boolean authOn;

    AdminAccess(Config config) {
        String t = config.monitor().adminToken();
        this.token = t == null ? null : t.getBytes(StandardCharsets.UTF_8);
        this.authOn = config.passwordFile() != null;
    }

    Refusal check(HttpServerRequest req) {
        if (token != null) {
            String h = req.getHeader("Authorization");
            boolean ok = h != null && h.startsWith("Bearer ")
                    && MessageDigest.isEqual(token, h.substring(7).trim().getBytes(StandardCharsets.UTF_8)); // constant time
            return ok ? null : new Refusal(401, "admin API: send Authorization: Bearer <admin-token>");
        }
        if (authOn) {
            return new Refusal(403, "admin API: a password-file is set, so the admin API needs key 'admin-token'");
        }
        return isLoopback(req.remoteAddress()) ? null
                : new Refusal(403, "admin API: open to loopback clients only until key 'admin-token' is set");
    }

    private static boolean isLoopback(SocketAddress remote) {
        if (remote == null || remote.hostAddress() == null) {
            return false;
        }
        try {
            return InetAddress.getByName(remote.hostAddress()).isLoopbackAddress(); // a literal address: no lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
