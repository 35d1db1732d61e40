package io.oncemq.broker.crash;

import io.oncemq.broker.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node JVM reads its ONCEMQ_* environment variables through the real {@code System.getenv()} in Main. */
class EnvironmentJvmTest {

    @TempDir
    Path dir;

    @Test
    void aNodeJvmOpensTheHttpPortItsEnvironmentNames() throws Exception {
        int http = FreePorts.next();
        try (BrokerProcess node = new BrokerProcess(dir.resolve("env")).withEnv("ONCEMQ_HTTP_PORT", String.valueOf(http))) {
            node.start();
            assertTrue(node.awaitLog("HTTP listener on 0.0.0.0:" + http, 10_000), node.tail());
            HttpResponse<String> live = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + http + "/health/live")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, live.statusCode(), live.body());
        }
    }

    @Test
    void aNodeJvmStopsOnAVariableNamingNoKey() throws Exception {
        try (BrokerProcess node = new BrokerProcess(dir.resolve("typo")).withEnv("ONCEMQ_MAX_INFLIGT", "5")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, node::start);
            assertTrue(e.getMessage().contains("oncemq: environment variable ONCEMQ_MAX_INFLIGT names no config key"), e.getMessage());
            assertEquals(2, node.awaitExit(10_000));
        }
    }
}
