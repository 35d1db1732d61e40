package io.oncemq.broker;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Debian's mosquitto_pub and mosquitto_sub with -u/-P against the password and ACL files. */
class MosquittoAuthTest {

    @RegisterExtension
    final SecuredNodes nodes = new SecuredNodes();
    final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopProcesses() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void mosquittoClientsLogInAndAreHeldToTheAcl() throws Exception {
        Node node = nodes.start("password-file", nodes.passwords("alice", "a-pass", "bob", "b-pass").toString(),
                "acl-file", nodes.acl("user alice", "topic write news/#", "user bob", "topic read news/#").toString());
        String port = String.valueOf(node.port());
        Path out = nodes.dir().resolve("sub.out");
        Process sub = start(out, "mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-u", "bob", "-P", "b-pass",
                "-q", "1", "-t", "news/#", "-C", "1", "-v", "-i", "mosq-bob");
        Await.until(() -> {
            var s = node.session("mosq-bob");
            return s != null && s.outlet() != null && !s.subscriptions().isEmpty();
        }, Duration.ofSeconds(20), "mosquitto_sub subscribed");

        Process wrong = start(nodes.dir().resolve("wrong.out"), "mosquitto_pub", "-h", "127.0.0.1", "-p", port,
                "-u", "alice", "-P", "guess", "-q", "1", "-t", "news/today", "-m", "forged");
        assertTrue(wrong.waitFor(20, TimeUnit.SECONDS), "mosquitto_pub with a wrong password finished");
        assertNotEquals(0, wrong.exitValue(), "mosquitto_pub exit code with a wrong password");
        assertTrue(Files.readString(nodes.dir().resolve("wrong.out")).toLowerCase().contains("password"),
                "mosquitto_pub says why: " + Files.readString(nodes.dir().resolve("wrong.out")));

        Process right = start(nodes.dir().resolve("right.out"), "mosquitto_pub", "-h", "127.0.0.1", "-p", port,
                "-u", "alice", "-P", "a-pass", "-q", "1", "-t", "news/today", "-m", "fine");
        assertTrue(right.waitFor(20, TimeUnit.SECONDS), "mosquitto_pub finished");
        assertEquals(0, right.exitValue(), "mosquitto_pub exit code");
        assertTrue(sub.waitFor(20, TimeUnit.SECONDS), "mosquitto_sub received one message");
        assertEquals(List.of("news/today fine"), Files.readAllLines(out));
        assertEquals(1, node.access().counters().failedLogins());
    }

    private Process start(Path out, String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        processes.add(p);
        return p;
    }
}
