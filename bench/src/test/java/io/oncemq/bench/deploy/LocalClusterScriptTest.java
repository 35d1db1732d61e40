package io.oncemq.bench.deploy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** deploy/local-cluster.sh starts real node JVMs that join one cluster, kills one, and stops them all. */
class LocalClusterScriptTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path SCRIPT = ROOT.resolve("deploy/local-cluster.sh");

    @TempDir
    Path dir;
    private final int base = 21000 + 10 * ThreadLocalRandom.current().nextInt(400);

    /** Runs the script with this test's folder and ports; returns its output, failing on a non-zero exit. */
    private String run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("ONCEMQ_CLUSTER_DIR", dir.toString());
        pb.environment().put("MQTT_BASE", String.valueOf(base));
        pb.environment().put("CLUSTER_BASE", String.valueOf(base + 5));
        Process p = pb.start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done && p.exitValue() == 0, "local-cluster.sh " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    @AfterEach
    void stopEverything() throws Exception {
        if (Files.exists(dir.resolve("nodes"))) {
            run("stop");
        }
    }

    @Test
    void startsJoinedNodesAndKillsOne() throws Exception {
        assumeTrue(Files.exists(ROOT.resolve("broker/target/oncemq.jar")), "needs the packaged broker (mvn verify builds it first)");
        String list = run("start", "2");
        assertEquals(2, list.lines().filter(l -> l.contains(" running ")).count(), list);
        Path log1 = dir.resolve("node-1.log");
        awaitLine(log1, "members [node-1, node-2]");
        run("kill", "2");
        awaitLine(log1, "node node-2 left");
        assertTrue(run("list").lines().anyMatch(l -> l.startsWith("node-2") && l.contains(" stopped ")));
    }

    /** Waits, bounded, until the log holds the text: woken by each change in its folder, not by a timer. */
    private static void awaitLine(Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (WatchService watch = log.getFileSystem().newWatchService()) {
            // registered before the first read, so a line written in between still wakes us
            log.getParent().register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            while (!Files.readString(log).contains(text)) {
                long left = deadline - System.nanoTime();
                assertTrue(left > 0, "no '" + text + "' in " + log + ":\n" + Files.readString(log));
                WatchKey key = watch.poll(left, TimeUnit.NANOSECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
    }
}
