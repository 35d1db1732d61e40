package io.oncemq.broker;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** QoS 2 round trips each way with Debian's mosquitto_pub and mosquitto_sub, at 3.1.1 and 5.0. */
class MosquittoClientsTest {

    @RegisterExtension
    final TestNode node = new TestNode();
    @TempDir
    Path data;
    final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopProcesses() {
        processes.forEach(Process::destroyForcibly);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mqttv311", "mqttv5"})
    void qos2RoundTripThroughMosquittoClients(String version) throws Exception {
        assertTrue(onPath("mosquitto_sub"), "mosquitto-clients must be installed: the README test command installs them");
        Path out = data.resolve("sub.out");
        Process sub = start(out, "mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(node.port()), "-V", version,
                "-q", "2", "-t", "mosq/#", "-C", "3", "-v", "-i", "mosq-sub-" + version);
        awaitSubscribed("mosq-sub-" + version);
        for (int i = 1; i <= 3; i++) {
            Process pub = start(data.resolve("pub" + i + ".out"), "mosquitto_pub", "-h", "127.0.0.1", "-p",
                    String.valueOf(node.port()), "-V", version, "-q", "2", "-t", "mosq/t", "-m", "msg" + i);
            assertTrue(pub.waitFor(20, TimeUnit.SECONDS), "mosquitto_pub finished");
            assertEquals(0, pub.exitValue(), "mosquitto_pub exit code");
        }
        assertTrue(sub.waitFor(20, TimeUnit.SECONDS), "mosquitto_sub received 3 messages");
        assertEquals(List.of("mosq/t msg1", "mosq/t msg2", "mosq/t msg3"), Files.readAllLines(out));
    }

    private void awaitSubscribed(String clientId) {
        Await.until(() -> {
            var s = node.node().session(clientId);
            return s != null && s.outlet() != null && !s.subscriptions().isEmpty();
        }, Duration.ofSeconds(20), clientId + " subscribed");
    }

    private Process start(Path out, String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        processes.add(p);
        return p;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
