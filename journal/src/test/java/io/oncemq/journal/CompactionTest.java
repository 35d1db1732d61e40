package io.oncemq.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.oncemq.journal.Journals.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompactionTest {

    @TempDir
    Path dir;

    /** A QoS 2 message's whole life through one kept session: stored, queued, sent, PUBREC, PUBCOMP. */
    private static List<Record> lifeOf(long id) {
        int q = (int) (id % 65535) + 1;
        return List.of(message(id, "t/" + id), new Record.Enqueued("sub", id, 2), new Record.Sent("sub", q, id),
                new Record.PubrecReceived("sub", q), new Record.Completed("sub", q));
    }

    @Test
    void aLongRunKeepsTheFolderBoundedAndTheStateIntact() throws Exception {
        JournalOptions options = JournalOptions.defaults().withCompactAfterRecords(20_000);
        List<Long> usage = new ArrayList<>();
        int generationsSeen;
        try (ChronicleJournal j = ChronicleJournal.open(dir, Durability.PAGE_CACHE, options)) {
            Journals.appendAndWait(j, new Record.SessionOpened("sub", 0xFFFFFFFFL), new Record.Subscribed("sub", "t/#", 2, 0));
            int firstGeneration = j.generation();
            for (int round = 0; round < 10; round++) {
                CountDownLatch done = new CountDownLatch(6_000);
                for (long i = 0; i < 6_000; i++) {
                    long id = round * 6_000L + i + 1;
                    j.append(lifeOf(id), done::countDown);
                }
                assertTrue(done.await(60, TimeUnit.SECONDS));
                usage.add(Journals.diskUsage(dir));
            }
            // one message left live: queued, not yet sent
            Journals.appendAndWait(j, message(1_000_000, "t/last"), new Record.Enqueued("sub", 1_000_000, 2));
            generationsSeen = j.generation() - firstGeneration;
        }
        // 300k records passed through; with compaction every 20k records the folder holds at most one
        // generation's worth of them
        assertTrue(generationsSeen >= 10, "compacted " + generationsSeen + " times");
        long first = usage.get(1);
        long max = usage.stream().mapToLong(Long::longValue).max().orElseThrow();
        System.out.println("journal disk usage per 30k records: " + usage);
        assertTrue(max <= 3 * first, "disk usage stays bounded: " + usage);
        try (ChronicleJournal j = ChronicleJournal.open(dir, Durability.PAGE_CACHE, options)) {
            JournalState s = j.replayed();
            assertEquals(List.of(1_000_000L), new ArrayList<>(s.sessions().get("sub").queue().keySet()));
            assertTrue(s.sessions().get("sub").inflight().isEmpty());
            assertEquals(1, s.messages().size());
            assertEquals(1_000_000, s.maxMessageId());
        }
    }
}
