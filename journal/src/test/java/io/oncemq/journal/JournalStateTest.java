package io.oncemq.journal;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.oncemq.journal.Journals.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The live-state model on its own: what each record does to it. */
class JournalStateTest {

    private static JournalState apply(Record... records) {
        JournalState s = new JournalState();
        List.of(records).forEach(s::apply);
        s.endOfBatch();
        return s;
    }

    @Test
    void aReceiptWithoutRoutedIsReportedUnrouted() {
        JournalState s = apply(new Record.SessionOpened("pub", 60), message(7, "t"), message(8, "t"),
                new Record.ReceiptHeld("pub", 1, 7), new Record.ReceiptHeld("pub", 2, 8), new Record.Routed(8));
        assertEquals(Set.of(7L), s.unroutedMessages(), "replay must route message 7 (DESIGN.md 2a)");
        assertEquals(Map.of(1, 7L, 2, 8L), s.sessions().get("pub").receipts());
    }

    @Test
    void aReleasedReceiptNoLongerAsksForRouting() {
        JournalState s = apply(new Record.SessionOpened("pub", 60), new Record.SessionOpened("sub", 60), message(7, "t"),
                new Record.ReceiptHeld("pub", 1, 7), new Record.Enqueued("sub", 7, 2), new Record.ReceiptReleased("pub", 1));
        assertTrue(s.unroutedMessages().isEmpty());
        assertTrue(s.messages().containsKey(7L), "still queued for sub");
        assertEquals(Journals.describe(s), Journals.describe(rebuilt(s)));
    }

    @Test
    void sentTakesTheQosOfTheQueueEntryOrElseOfTheMessage() {
        JournalState s = apply(new Record.SessionOpened("c", 60), message(1, "t"), message(2, "t"),
                new Record.Enqueued("c", 1, 1), new Record.Sent("c", 10, 1), new Record.Sent("c", 11, 2));
        assertEquals(Map.of(10, new JournalState.Inflight(1, 1, false), 11, new JournalState.Inflight(2, 2, false)),
                s.sessions().get("c").inflight());
        assertTrue(s.sessions().get("c").queue().isEmpty());
    }

    @Test
    void sessionOpenedAgainChangesExpiryAndKeepsContent() {
        JournalState s = apply(new Record.SessionOpened("c", 60), new Record.Subscribed("c", "a", 1, 0), message(1, "a"),
                new Record.Enqueued("c", 1, 1), new Record.SessionOpened("c", 120));
        assertEquals(120, s.sessions().get("c").expirySeconds());
        assertEquals(Set.of("a"), s.sessions().get("c").subscriptions().keySet());
        assertEquals(Map.of(1L, 1), s.sessions().get("c").queue());
    }

    @Test
    void aMessageStoredBeforeItsFirstReferenceInTheSameBatchSurvives() {
        JournalState s = new JournalState();
        s.apply(new Record.SessionOpened("c", 60));
        s.apply(message(1, "t"));
        s.apply(message(2, "t"));
        s.apply(new Record.Enqueued("c", 2, 2)); // a reference to 2 arrives while 1 has none yet
        s.apply(new Record.Enqueued("c", 1, 2));
        s.endOfBatch();
        assertEquals(Set.of(1L, 2L), s.messages().keySet());
        s.apply(new Record.Dequeued("c", 1));
        assertEquals(Set.of(2L), s.messages().keySet(), "the last reference released: gone at once");
    }

    @Test
    void aMessageIsKeptWhileAnyReferenceRemains() {
        JournalState s = apply(new Record.SessionOpened("a", 60), new Record.SessionOpened("b", 60), message(1, "t"),
                new Record.Enqueued("a", 1, 2), new Record.Enqueued("b", 1, 2), new Record.RetainedSet("t", 1),
                new Record.ReceiptHeld("a", 5, 1));
        s.apply(new Record.Sent("a", 9, 1));
        s.apply(new Record.Completed("a", 9));
        s.apply(new Record.SessionEnded("b"));
        s.apply(new Record.ReceiptReleased("a", 5));
        assertTrue(s.messages().containsKey(1L), "still retained");
        s.apply(new Record.RetainedSet("t", 1)); // the same message again: no extra reference
        s.apply(new Record.RetainedCleared("t"));
        assertTrue(s.messages().isEmpty());
        assertEquals(1, s.maxMessageId());
    }

    @Test
    void recordsNamingAnUnknownSessionOrMessageAreIgnored() {
        JournalState s = apply(new Record.SessionOpened("c", 60), new Record.Enqueued("gone", 1, 1),
                new Record.Enqueued("c", 99, 1), new Record.Sent("c", 1, 99), new Record.ReceiptHeld("c", 1, 99),
                new Record.RetainedSet("t", 99), new Record.PubrecReceived("c", 1), new Record.Completed("gone", 1),
                new Record.MessageIdFloor(500));
        assertEquals(Journals.describe(apply(new Record.SessionOpened("c", 60), new Record.MessageIdFloor(500))),
                Journals.describe(s));
    }

    private static JournalState rebuilt(JournalState s) {
        return apply(s.snapshotRecords().toArray(Record[]::new));
    }

    @Test
    void aWillStaysWithItsSessionUntilClearedAndIsInTheSnapshot() {
        Record.WillStored will = new Record.WillStored("c", "gone", 1, false, new byte[]{1}, new byte[0], 30);
        JournalState s = apply(new Record.SessionOpened("c", 60), will);
        assertEquals(will, s.sessions().get("c").will());
        assertTrue(s.snapshotRecords().contains(will), "a compaction keeps the will");
        s.apply(new Record.WillCleared("c"));
        assertEquals(null, s.sessions().get("c").will());
        s.apply(will);
        s.apply(new Record.SessionEnded("c"));
        assertTrue(s.snapshotRecords().stream().noneMatch(r -> r instanceof Record.WillStored), "the will ends with its session");
    }

    @Test
    void acceptedForwardsAreRememberedPerOriginBoundedAndKeptBySnapshots() {
        JournalState s = new JournalState();
        for (long id = 1; id <= JournalState.ACCEPTED_FORWARDS_KEPT + 2; id++) {
            s.apply(new Record.ForwardAccepted("a/1", id, 0));
        }
        s.apply(new Record.ForwardAccepted("b/2", 1, 0));
        assertEquals(JournalState.ACCEPTED_FORWARDS_KEPT, s.acceptedForwards().get("a/1").size());
        assertEquals(3L, s.acceptedForwards().get("a/1").iterator().next(), "the oldest ids are forgotten first");
        JournalState copy = rebuilt(s);
        assertEquals(s.acceptedForwards(), copy.acceptedForwards());
        assertEquals(s.snapshotSize(), s.snapshotRecords().size());
    }

    @Test
    void aForwardedMessageKeepsItsOriginWhileStoredAndInTheSnapshot() {
        Record.ForwardAccepted from = new Record.ForwardAccepted("a/1", 77, 5);
        JournalState s = apply(new Record.SessionOpened("c", 60),
                new Record.MessageStored(5, "t", 2, false, new byte[]{1}, new byte[0]), new Record.Enqueued("c", 5, 2), from);
        assertEquals(from, s.origin(5));
        assertEquals(from, rebuilt(s).origin(5));
        s.apply(new Record.Sent("c", 1, 5));
        s.apply(new Record.Completed("c", 1));
        assertEquals(null, s.origin(5), "forgotten with the message");
    }

    @Test
    void anEpochOnlyGrowsOutlivesItsSessionAndIsInTheSnapshot() {
        JournalState s = apply(new Record.SessionEpoch("c", 3), new Record.SessionOpened("c", 60), new Record.SessionEpoch("c", 2));
        assertEquals(3, s.epoch("c"), "a late, lower epoch does not lower it");
        s.apply(new Record.SessionEnded("c"));
        assertEquals(3, s.epoch("c"), "the end of a session at epoch 3 still beats older copies elsewhere (E5)");
        assertEquals(0, s.epoch("other"));
        assertEquals(3, rebuilt(s).epoch("c"));
        assertEquals(s.snapshotSize(), s.snapshotRecords().size());
    }
}
