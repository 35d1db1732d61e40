package io.oncemq.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static io.oncemq.journal.Journals.appendAndWait;
import static io.oncemq.journal.Journals.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalReplayTest {

    @TempDir
    Path dir;

    private ChronicleJournal open(Durability d) {
        return ChronicleJournal.open(dir, d, JournalOptions.defaults());
    }

    @Test
    void replaysEveryKindOfStateAfterReopen() {
        List<List<Record>> batches = List.of(
                List.of(new Record.SessionOpened("sub", 3600),
                        new Record.Subscribed("sub", "a/#", 2, 7),
                        new Record.Subscribed("sub", "b", 1, 0),
                        new Record.Unsubscribed("sub", "b"),
                        new Record.SessionOpened("pub", 0xFFFFFFFFL),
                        new Record.SessionOpened("gone", 10)),
                List.of(message(1, "a/1"), message(2, "a/2"), message(3, "a/3"), message(4, "a/4"), message(5, "a/5"),
                        new Record.Enqueued("sub", 1, 2), new Record.Enqueued("sub", 2, 1),
                        new Record.Enqueued("sub", 3, 2), new Record.Enqueued("sub", 4, 2),
                        new Record.ReceiptHeld("pub", 11, 4), new Record.Routed(4),
                        new Record.ReceiptHeld("pub", 12, 3), new Record.ReceiptHeld("pub", 13, 5),
                        new Record.Enqueued("gone", 5, 1)),
                List.of(new Record.Sent("sub", 100, 1), new Record.Sent("sub", 101, 2),
                        new Record.PubrecReceived("sub", 100), new Record.Completed("sub", 101),
                        new Record.Dequeued("sub", 4), new Record.RetainedSet("a/3", 3),
                        new Record.RetainedSet("a/5", 5), new Record.RetainedCleared("a/5"),
                        new Record.ReceiptReleased("pub", 13), new Record.SessionEnded("gone"),
                        new Record.MessageIdFloor(3)));
        JournalState model = new JournalState();
        try (ChronicleJournal j = open(Durability.PAGE_CACHE)) {
            for (List<Record> batch : batches) {
                appendAndWait(j, batch.toArray(Record[]::new));
                batch.forEach(model::apply);
                model.endOfBatch();
            }
        }
        try (ChronicleJournal j = open(Durability.PAGE_CACHE)) {
            JournalState s = j.replayed();
            JournalState.SessionState sub = s.sessions().get("sub");
            assertEquals(3600, sub.expirySeconds());
            assertEquals(Map.of("a/#", new Record.Subscribed("sub", "a/#", 2, 7)), sub.subscriptions());
            assertEquals(List.of(3L), new ArrayList<>(sub.queue().keySet()));
            assertEquals(Map.of(100, new JournalState.Inflight(1, 2, true)), sub.inflight());
            assertEquals(Map.of(11, 4L, 12, 3L), s.sessions().get("pub").receipts());
            assertEquals(Set.of(3L), s.unroutedMessages());
            assertEquals(Map.of("a/3", 3L), s.retained());
            assertEquals(Set.of(1L, 3L, 4L), s.messages().keySet(), "message 2 completed, nothing refers to it");
            assertEquals(5, s.maxMessageId(), "message 5 is gone, its id stays used");
            assertEquals(List.of("sub", "pub"), new ArrayList<>(s.sessions().keySet()));
            assertEquals(Journals.describe(model), Journals.describe(s));
        }
    }

    @Test
    void inflightKeepsSendOrderWhenPubrecArrives() {
        JournalState s = new JournalState();
        s.apply(new Record.SessionOpened("c", 1));
        for (long id = 1; id <= 3; id++) {
            s.apply(message(id, "t"));
            s.apply(new Record.Enqueued("c", id, 2));
            s.apply(new Record.Sent("c", (int) (10 - id), id));
        }
        s.apply(new Record.PubrecReceived("c", 8));
        assertEquals(List.of(9, 8, 7), new ArrayList<>(s.sessions().get("c").inflight().keySet()));
    }

    @Test
    void enqueueIsIdempotentByMessageId() {
        JournalState s = new JournalState();
        s.apply(new Record.SessionOpened("c", 1));
        s.apply(message(5, "t"));
        s.apply(new Record.Enqueued("c", 5, 2));
        s.apply(new Record.Enqueued("c", 5, 2));
        assertEquals(1, s.sessions().get("c").queue().size());
        s.apply(new Record.Sent("c", 1, 5));
        s.apply(new Record.Enqueued("c", 5, 2)); // a retried routing while in flight
        assertTrue(s.sessions().get("c").queue().isEmpty());
        s.endOfBatch();
        s.apply(new Record.Completed("c", 1));
        assertFalse(s.messages().containsKey(5L), "the last reference went: the message goes");
    }

    @Test
    void unreferencedMessagesGoAtTheEndOfTheirBatch() {
        JournalState s = new JournalState();
        s.apply(message(1, "t"));
        s.apply(new Record.RetainedSet("t", 1));
        s.apply(message(2, "nobody"));
        s.endOfBatch();
        assertEquals(Set.of(1L), s.messages().keySet());
        s.apply(new Record.RetainedCleared("t"));
        assertTrue(s.messages().isEmpty());
        assertEquals(2, s.maxMessageId());
    }

    @Test
    void endedSessionsIgnoreLateRecordsAndReleaseMessages() {
        JournalState s = new JournalState();
        s.apply(new Record.SessionOpened("c", 1));
        s.apply(message(1, "t"));
        s.apply(new Record.Enqueued("c", 1, 1));
        s.apply(new Record.SessionEnded("c"));
        s.apply(new Record.Enqueued("c", 1, 1));
        s.endOfBatch();
        assertTrue(s.sessions().isEmpty());
        assertTrue(s.messages().isEmpty());
    }

    @Test
    void snapshotRebuildsAnEqualState() {
        JournalState s = new JournalState();
        s.apply(new Record.SessionOpened("c", 60));
        s.apply(new Record.Subscribed("c", "x/#", 1, 0));
        s.apply(message(1, "x/1"));
        s.apply(message(2, "x/2"));
        s.apply(new Record.Enqueued("c", 1, 1));
        s.apply(new Record.Enqueued("c", 2, 2));
        s.apply(new Record.Sent("c", 3, 2));
        s.apply(new Record.PubrecReceived("c", 3));
        s.apply(new Record.ReceiptHeld("c", 9, 1));
        s.endOfBatch();
        JournalState copy = new JournalState();
        s.snapshotRecords().forEach(copy::apply);
        copy.endOfBatch();
        JournalState.SessionState a = s.sessions().get("c");
        JournalState.SessionState b = copy.sessions().get("c");
        assertEquals(a.subscriptions(), b.subscriptions());
        assertEquals(a.queue(), b.queue());
        assertEquals(a.inflight(), b.inflight());
        assertEquals(a.receipts(), b.receipts());
        assertEquals(s.unroutedMessages(), copy.unroutedMessages());
        assertEquals(s.messages().keySet(), copy.messages().keySet());
        assertEquals(s.maxMessageId(), copy.maxMessageId());
    }

    @Test
    void completionsRunInAppendOrderAfterTheWrite() throws Exception {
        try (ChronicleJournal j = open(Durability.PAGE_CACHE)) {
            List<Integer> order = new java.util.concurrent.CopyOnWriteArrayList<>();
            CountDownLatch all = new CountDownLatch(1000);
            for (int i = 0; i < 1000; i++) {
                int n = i;
                List<Record> batch = i % 3 == 0 ? List.of() : List.of(new Record.MessageIdFloor(i));
                j.append(batch, () -> {
                    order.add(n);
                    all.countDown();
                });
            }
            assertTrue(all.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 1000; i++) {
                assertEquals(i, order.get(i));
            }
        }
        try (ChronicleJournal j = open(Durability.PAGE_CACHE)) {
            assertEquals(998, j.replayed().maxMessageId(), "the last non-empty batch");
        }
    }

    @Test
    void fsyncModeAppendsAndReplays() {
        try (ChronicleJournal j = open(Durability.FSYNC)) {
            assertEquals(Durability.FSYNC, j.durability());
            appendAndWait(j, new Record.SessionOpened("c", 5), message(1, "t"), new Record.Enqueued("c", 1, 2));
        }
        try (ChronicleJournal j = open(Durability.FSYNC)) {
            assertEquals(Map.of(1L, 2), j.replayed().sessions().get("c").queue());
        }
    }

    @Test
    void largeBatchesAreSplitIntoPartsAndReplayedWhole() {
        byte[] big = new byte[1024 * 1024];
        List<Record> batch = new ArrayList<>();
        batch.add(new Record.SessionOpened("c", 5));
        for (long id = 1; id <= 10; id++) {
            batch.add(new Record.MessageStored(id, "t", 1, false, big, new byte[0]));
            batch.add(new Record.Enqueued("c", id, 1));
        }
        try (ChronicleJournal j = open(Durability.PAGE_CACHE)) {
            appendAndWait(j, batch.toArray(Record[]::new));
        }
        try (ChronicleJournal j = open(Durability.PAGE_CACHE)) {
            assertEquals(10, j.replayed().sessions().get("c").queue().size());
            assertEquals(1024 * 1024, j.replayed().messages().get(10L).payload().length);
        }
    }

    @Test
    void readsJournalsWrittenInTheFirstFormat() {
        // the first format had no record count in its header: magic 0x4F, kind, payload length, CRC32
        try (SingleChronicleQueue q = ChronicleJournal.build(dir.resolve("gen-000001"));
             ExcerptAppender appender = q.createAppender()) {
            writeV1(appender, ChronicleJournal.SNAPSHOT, List.of(new Record.MessageIdFloor(0)));
            writeV1(appender, ChronicleJournal.BATCH, List.of(new Record.SessionOpened("c", 9), message(1, "t"), new Record.Enqueued("c", 1, 1)));
        }
        try (ChronicleJournal j = open(Durability.PAGE_CACHE)) {
            assertEquals(Map.of(1L, 1), j.replayed().sessions().get("c").queue());
        }
        try (ChronicleJournal j = open(Durability.PAGE_CACHE)) {
            assertEquals(Map.of(1L, 1), j.replayed().sessions().get("c").queue(), "rewritten in the current format");
        }
    }

    private static void writeV1(ExcerptAppender appender, byte kind, List<Record> records) {
        byte[] payload = new RecordCodec().toBytes(records);
        CRC32 crc = new CRC32();
        crc.update(payload);
        Bytes<byte[]> doc = Bytes.allocateElasticOnHeap(64);
        doc.writeByte(ChronicleJournal.MAGIC_V1);
        doc.writeByte(kind);
        doc.writeInt(payload.length);
        doc.writeInt((int) crc.getValue());
        doc.write(payload);
        appender.writeBytes(doc);
    }
}
