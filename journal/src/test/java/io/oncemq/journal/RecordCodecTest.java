package io.oncemq.journal;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RecordCodecTest {

    /** One record of every type. */
    static List<Record> everyType() {
        return List.of(
                new Record.SessionOpened("c-ü", 3600),
                new Record.Subscribed("c-ü", "a/+/#", 0x2A, 268_435_455),
                new Record.MessageStored(42, "a/b", 2, true, new byte[]{1, 2, 3}, new byte[]{9}),
                new Record.Enqueued("c-ü", 42, 2),
                new Record.Sent("c-ü", 65535, 42),
                new Record.PubrecReceived("c-ü", 65535),
                new Record.Completed("c-ü", 65535),
                new Record.Dequeued("c-ü", 42),
                new Record.ReceiptHeld("c-ü", 7, 42),
                new Record.Routed(42),
                new Record.ReceiptReleased("c-ü", 7),
                new Record.RetainedSet("a/b", 42),
                new Record.RetainedCleared("a/b"),
                new Record.MessageIdFloor(Long.MAX_VALUE),
                new Record.WillStored("c-ü", "last/words", 1, true, new byte[]{4, 5}, new byte[]{6}, 30),
                new Record.WillCleared("c-ü"),
                new Record.ForwardAccepted("node-ü/1f", Long.MIN_VALUE, 42),
                new Record.SessionEpoch("c-ü", Long.MAX_VALUE),
                new Record.Unsubscribed("c-ü", "a/+/#"),
                new Record.SessionEnded("c-ü"));
    }

    @Test
    void roundTripsEveryRecordType() {
        List<Record> records = everyType();
        byte[] bytes = new RecordCodec().toBytes(records);
        List<Record> back = RecordCodec.decode(bytes, 0, bytes.length);
        assertEquals(records.size(), back.size());
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i) instanceof Record.MessageStored m) {
                Record.MessageStored b = (Record.MessageStored) back.get(i);
                assertEquals(List.of(m.messageId(), m.topic(), m.qos(), m.retain()), List.of(b.messageId(), b.topic(), b.qos(), b.retain()));
                assertArrayEquals(m.payload(), b.payload());
                assertArrayEquals(m.properties(), b.properties());
            } else if (records.get(i) instanceof Record.WillStored w) {
                Record.WillStored b = (Record.WillStored) back.get(i);
                assertEquals(List.of(w.clientId(), w.topic(), w.qos(), w.retain(), w.delaySeconds()),
                        List.of(b.clientId(), b.topic(), b.qos(), b.retain(), b.delaySeconds()));
                assertArrayEquals(w.payload(), b.payload());
                assertArrayEquals(w.properties(), b.properties());
            } else {
                assertEquals(records.get(i), back.get(i));
            }
        }
        assertEquals(RecordCodec.VERSION, bytes[0]);
    }

    @Test
    void truncatedInputIsCorruptNotAnIndexError() {
        byte[] bytes = new RecordCodec().toBytes(everyType());
        for (int cut = 1; cut < bytes.length; cut += 7) {
            byte[] part = Arrays.copyOf(bytes, cut);
            try {
                RecordCodec.decode(part, 0, part.length);
            } catch (CorruptRecordException expected) {
                continue;
            }
            // a cut that falls exactly between records decodes a shorter list: allowed
        }
        assertThrows(CorruptRecordException.class, () -> RecordCodec.decode(new byte[]{9}, 0, 1));
        assertThrows(CorruptRecordException.class, () -> RecordCodec.decode(new byte[]{RecordCodec.VERSION, 99}, 0, 2));
    }
}
