package io.oncemq.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompactionTest {

    private static final int ROUNDS = 10;
    private static final int IDS_PER_ROUND = 5_500;

    @TempDir
    Path dir;

    /**
     * One inbound QoS 2 message's records: stored with a receipt (replacing the receipt of an older
     * message under the same packet id), routed into the subscriber's queue, sent (taking over the packet
     * id of an older message), half of them PUBREC'd, some retained. Live state stays a few hundred messages.
     */
    private static List<Record> batchFor(long id) {
        List<Record> b = new ArrayList<>(8);
        byte[] payload = new byte[200];
        payload[0] = (byte) id;
        b.add(new Record.MessageStored(id, "t/" + id, 2, id % 97 == 0, payload, new byte[0]));
        b.add(new Record.ReceiptHeld("pub", (int) (id % 100) + 1, id));
        b.add(new Record.Enqueued("sub", id, (int) (id % 3)));
        if (id % 1000 != 0) {
            b.add(new Record.Routed(id)); // every thousandth stays unrouted, as after a crash before routing
        }
        b.add(new Record.Sent("sub", (int) (id % 500) + 1, id));
        if (id % 2 == 0) {
            b.add(new Record.PubrecReceived("sub", (int) (id % 500) + 1));
        }
        if (id % 97 == 0) {
            b.add(new Record.RetainedSet("r/" + id % 5, id));
        }
        return b;
    }

    @Test
    void aLongRunKeepsTheFolderBoundedAndTheStateIntact() throws Exception {
        JournalOptions options = JournalOptions.defaults().withCompactAfterRecords(20_000);
        JournalState model = new JournalState(); // what the journal must hold, applied in memory
        List<Long> du = new ArrayList<>();
        List<Long> apparent = new ArrayList<>();
        List<Record> opening = List.of(new Record.SessionOpened("pub", 60), new Record.SessionOpened("sub", 0xFFFFFFFFL),
                new Record.Subscribed("sub", "t/#", 2, 0));
        long records = opening.size();
        int compactions;
        try (ChronicleJournal j = ChronicleJournal.open(dir, Durability.PAGE_CACHE, options)) {
            Journals.appendAndWait(j, opening.toArray(Record[]::new));
            apply(model, opening);
            int firstGeneration = j.generation();
            for (int round = 0; round < ROUNDS; round++) {
                CountDownLatch done = new CountDownLatch(IDS_PER_ROUND);
                for (long i = 1; i <= IDS_PER_ROUND; i++) {
                    List<Record> batch = batchFor(round * (long) IDS_PER_ROUND + i);
                    records += batch.size();
                    apply(model, batch);
                    j.append(batch, done::countDown);
                }
                assertTrue(done.await(60, TimeUnit.SECONDS));
                // the last completion can run while the writer starts compacting (renaming gen-N.unfinished):
                // walk the folder only once that is done
                Journals.settle(j);
                assertEquals(List.of(genName(j.generation())), folderNames(), "old generations are deleted");
                du.add(Journals.diskUsage(dir));
                apparent.add(Journals.apparentSize(dir));
            }
            compactions = j.generation() - firstGeneration;
        }
        System.out.printf("journal: %d records, %d compactions; du per round %s; apparent size per round %s%n",
                records, compactions, du, apparent);
        assertTrue(records >= 300_000, "records: " + records);
        assertTrue(compactions >= 10, "compacted " + compactions + " times");
        // without compaction the folder would hold every record (over 11 MB of payload alone, ~18 MB on disk);
        // with it, at most one generation's 20k records (~1-2 MB): a sawtooth
        assertTrue(du.stream().allMatch(u -> u < 6L * 1024 * 1024), "disk usage stays bounded: " + du);
        // each generation's queue file is a sparse 32 MiB (and its index); between compactions one generation exists
        assertTrue(apparent.stream().allMatch(a -> a <= (40L << 20) + (1 << 20)), "apparent size bounded: " + apparent);

        try (ChronicleJournal j = ChronicleJournal.open(dir, Durability.PAGE_CACHE, options)) {
            JournalState s = j.replayed();
            assertEquals(Journals.describe(model), Journals.describe(s), "the reopened state equals the live one");
            assertEquals(100, s.sessions().get("pub").receipts().size());
            assertEquals(500, s.sessions().get("sub").inflight().size());
            assertTrue(s.unroutedMessages().contains(55_000L));
            assertEquals(55_000, s.maxMessageId());
        }
    }

    /**
     * What {@link Journals#settle} promises: a batch appended after the completion of the one that made the
     * journal compact completes only once compaction is over (no {@code .unfinished} folder, the old generation gone).
     */
    @Test
    void aBatchAppendedAfterACompactionCompletesOnceTheFolderHoldsOneGeneration() throws Exception {
        int perRound = 500;
        try (ChronicleJournal j = ChronicleJournal.open(dir, Durability.PAGE_CACHE, JournalOptions.defaults().withCompactAfterRecords(perRound))) {
            int first = j.generation();
            for (int round = 1; round <= 40; round++) {
                CountDownLatch done = new CountDownLatch(perRound);
                for (int i = 1; i <= perRound; i++) {
                    long id = round * (long) perRound + i;
                    j.append(List.of(Journals.message(id, "t/" + id)), done::countDown); // unreferenced: live state stays empty
                }
                assertTrue(done.await(30, TimeUnit.SECONDS));
                Journals.settle(j);
                assertEquals(first + round, j.generation(), "each round's last record made the journal compact");
                assertEquals(List.of(genName(first + round)), folderNames(), "round " + round);
                Journals.apparentSize(dir); // walks every file: fails if one vanishes under it
            }
        }
    }

    private static void apply(JournalState model, List<Record> batch) {
        batch.forEach(model::apply);
        model.endOfBatch();
    }

    private static String genName(int generation) {
        return GenerationFolders.path(Path.of(""), generation).getFileName().toString();
    }

    /** The names of the folder's entries, sorted: generation folders and any unfinished snapshot. */
    private List<String> folderNames() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
