package io.oncemq.broker.crash;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The passwd command run as a process, and SIGHUP re-reading the password file of a node JVM without dropping connections. */
class AccessReloadTest {

    @TempDir
    Path dir;
    @RegisterExtension
    final Closeables closeables = new Closeables();

    @Test
    void sighupReloadsThePasswordFileAndKeepsConnectionsOpen() throws Exception {
        Path passwd = dir.resolve("passwd");
        passwd("a-pass\n", "-I", "1000", passwd.toString(), "alice"); // the password from stdin
        BrokerProcess node = closeables.add(new BrokerProcess(dir.resolve("node"))
                .withArgs("--password-file", passwd.toString()));
        node.start();
        MqttClient alice = client(node, "alice-1", "alice", "a-pass");
        LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        alice.subscribe("chat/#", 1, (topic, m) -> got.add(topic + " " + new String(m.getPayload(), StandardCharsets.UTF_8)));
        assertEquals(MqttException.REASON_CODE_FAILED_AUTHENTICATION,
                assertThrows(MqttException.class, () -> client(node, "carol-1", "carol", "c-pass")).getReasonCode());

        passwd("", "-b", "-I", "1000", passwd.toString(), "carol", "c-pass");
        hangUp(node, 1, "reloaded access files");
        MqttClient carol = client(node, "carol-2", "carol", "c-pass");
        carol.publish("chat/1", "hello alice".getBytes(StandardCharsets.UTF_8), 1, false);
        assertEquals("chat/1 hello alice", got.poll(20, TimeUnit.SECONDS), "alice's connection outlived the reload");

        passwd("", "-D", passwd.toString(), "alice");
        Files.writeString(passwd, "carol:not-a-hash\n", java.nio.file.StandardOpenOption.APPEND);
        hangUp(node, 1, "reload refused");
        client(node, "carol-3", "carol", "c-pass").disconnect(); // the earlier file stays in force
        assertTrue(client(node, "alice-2", "alice", "a-pass").isConnected(), "alice's deletion waits for a good file");
    }

    /** Sends SIGHUP and waits until the node logged the answer the n-th time. */
    private static void hangUp(BrokerProcess node, int times, String logLine) throws Exception {
        int before = node.logLines(logLine).size();
        Process kill = new ProcessBuilder("kill", "-HUP", String.valueOf(node.pid())).redirectErrorStream(true).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -HUP");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (node.logLines(logLine).size() < before + times) {
            assertTrue(System.nanoTime() < deadline, "no '" + logLine + "' after SIGHUP:\n" + node.tail());
            LockSupport.parkNanos(20_000_000); // re-read the log every 20 ms until the deadline
        }
    }

    /** Runs {@code oncemq passwd ARGS} in its own JVM, the way a user would, with the text on stdin. */
    private void passwd(String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "io.oncemq.broker.Main", "passwd"));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("passwd.out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "passwd finished");
        assertEquals(0, p.exitValue(), "passwd " + List.of(args) + ": " + Files.readString(out));
    }

    private MqttClient client(BrokerProcess node, String id, String user, String password) throws MqttException {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + node.port(), id, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setUserName(user);
        o.setPassword(password.toCharArray());
        try {
            c.connect(o);
        } catch (MqttException e) {
            c.close(true);
            throw e;
        }
        closeables.add(() -> {
            if (c.isConnected()) {
                c.disconnectForcibly(1000, 1000);
            }
            c.close(true);
        });
        return c;
    }
}
