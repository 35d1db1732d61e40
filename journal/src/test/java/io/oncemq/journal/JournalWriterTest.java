package io.oncemq.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static io.oncemq.journal.Journals.appendAndWait;
import static io.oncemq.journal.Journals.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The writer thread: what the caller gets, what it may rely on, and what happens when writing fails. */
class JournalWriterTest {

    @TempDir
    Path dir;

    @Test
    void replayedStateBelongsToTheCallerNotTheWriter() {
        try (ChronicleJournal j = ChronicleJournal.open(dir, Durability.PAGE_CACHE, JournalOptions.defaults())) {
            appendAndWait(j, new Record.SessionOpened("c", 60));
        }
        try (ChronicleJournal j = ChronicleJournal.open(dir, Durability.PAGE_CACHE, JournalOptions.defaults())) {
            JournalState replayed = j.replayed();
            String before = Journals.describe(replayed);
            appendAndWait(j, new Record.SessionOpened("d", 60), message(1, "t"), new Record.Enqueued("c", 1, 1));
            assertEquals(before, Journals.describe(replayed), "appends after open do not change the replayed state");
            assertEquals(Map.of(), replayed.sessions().get("c").queue());
        }
    }

    @Test
    void completionsRunOnTheJournalThread() throws Exception {
        try (ChronicleJournal j = ChronicleJournal.open(dir, Durability.FSYNC, JournalOptions.defaults())) {
            AtomicReference<String> thread = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            j.append(List.of(new Record.SessionOpened("c", 1)), () -> {
                thread.set(Thread.currentThread().getName());
                done.countDown();
            });
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertEquals("oncemq-journal", thread.get());
        }
    }

    @Test
    void aMessageAtTheSizeLimitIsKeptAndOneAboveItIsRefusedAtAppend() {
        byte[] payload = new byte[ChronicleJournal.MAX_RECORD_BYTES - 64];
        payload[payload.length - 1] = 42;
        try (ChronicleJournal j = ChronicleJournal.open(dir, Durability.PAGE_CACHE, JournalOptions.defaults())) {
            List<Record> big = List.of(new Record.MessageStored(2, "t", 1, false, new byte[ChronicleJournal.MAX_RECORD_BYTES + 1], new byte[0]));
            assertThrows(IllegalArgumentException.class, () -> j.append(big, () -> { }));
            appendAndWait(j, new Record.SessionOpened("c", 5), new Record.MessageStored(1, "t", 1, false, payload, new byte[0]),
                    new Record.Enqueued("c", 1, 1));
        }
        try (ChronicleJournal j = ChronicleJournal.open(dir, Durability.PAGE_CACHE, JournalOptions.defaults())) {
            assertEquals(42, j.replayed().messages().get(1L).payload()[payload.length - 1]);
        }
    }

    @Test
    void aFailedWriteIsReportedAndLaterBatchesNeverComplete() throws Exception {
        // the next generation's folder cannot be created: a plain file holds its name, so compaction fails
        try (ChronicleJournal j = ChronicleJournal.open(dir, Durability.PAGE_CACHE, JournalOptions.defaults().withCompactAfterRecords(10))) {
            Files.writeString(dir.resolve(String.format("gen-%06d", j.generation() + 1)), "in the way");
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch failed = new CountDownLatch(1);
            j.onFailure(t -> {
                failure.set(t);
                failed.countDown();
            });
            try {
                for (int i = 0; i < 20; i++) {
                    j.append(List.of(new Record.MessageIdFloor(i)), () -> { });
                }
            } catch (IllegalStateException closedByTheFailure) {
                // the writer may fail (and refuse appends) before this thread has handed over all 20
            }
            assertTrue(failed.await(10, TimeUnit.SECONDS), "the failure handler is called");
            assertNotNull(failure.get());
            AtomicBoolean ran = new AtomicBoolean();
            assertThrows(IllegalStateException.class, () -> j.append(List.of(new Record.MessageIdFloor(99)), () -> ran.set(true)));
            assertFalse(ran.get());
        }
    }
}
