package io.oncemq.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kill -9 of a writing process, several times over: every append it reported durable is replayed, in order. */
class KillTest {

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedAppendSurvivesKillNine() throws Exception {
        long acknowledged = 0;
        for (int kill = 0; kill < 3; kill++) {
            Process child = start(kill % 2 == 0 ? Durability.PAGE_CACHE : Durability.FSYNC);
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
                long acksThisRun = 0;
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith("ack ")) {
                        acknowledged = Long.parseLong(line.substring(4));
                        if (++acksThisRun == 3_000 + kill * 1_111) {
                            break;
                        }
                    }
                }
                assertTrue(acksThisRun > 0, "the child appended");
                child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            }
            try (ChronicleJournal j = ChronicleJournal.open(dir, Durability.PAGE_CACHE, JournalOptions.defaults())) {
                List<Long> queue = new ArrayList<>(j.replayed().sessions().get("c").queue().keySet());
                assertTrue(queue.size() >= acknowledged, "acknowledged " + acknowledged + ", replayed " + queue.size());
                for (int i = 0; i < queue.size(); i++) {
                    assertEquals(i + 1, queue.get(i), "replayed in order without gaps");
                }
            }
        }
    }

    private Process start(Durability durability) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("-Dchronicle")) {
                command.add(arg); // the Chronicle flags surefire was given
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(CrashWriter.class.getName());
        command.add(dir.toString());
        command.add(durability.name());
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }
}
