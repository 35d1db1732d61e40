package io.oncemq.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static io.oncemq.journal.Journals.appendAndWait;
import static io.oncemq.journal.Journals.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A power cut mid-write leaves a torn last document: the good prefix is kept and the node starts. */
class TornTailTest {

    @TempDir
    Path dir;

    private ChronicleJournal open() {
        return ChronicleJournal.open(dir, Durability.PAGE_CACHE, JournalOptions.defaults());
    }

    private void writeGoodThenMarked() {
        try (ChronicleJournal j = open()) {
            appendAndWait(j, new Record.SessionOpened("c", 60), message(1, "good"), new Record.Enqueued("c", 1, 2));
            appendAndWait(j, message(2, "TORN-MARKER"), new Record.Enqueued("c", 2, 2));
        }
    }

    @Test
    void corruptLastDocumentIsDroppedAndLaterAppendsSurvive() throws Exception {
        writeGoodThenMarked();
        flipByteOf("TORN-MARKER");
        try (ChronicleJournal j = open()) {
            JournalState s = j.replayed();
            assertEquals(1, s.sessions().get("c").queue().size(), "the good prefix is kept");
            assertTrue(s.messages().containsKey(1L));
            assertFalse(s.messages().containsKey(2L), "the torn batch is dropped whole");
            appendAndWait(j, message(3, "after"), new Record.Enqueued("c", 3, 2));
        }
        try (ChronicleJournal j = open()) {
            assertEquals(java.util.List.of(1L, 3L), new java.util.ArrayList<>(j.replayed().sessions().get("c").queue().keySet()),
                    "appends after the torn tail are not lost behind it");
        }
    }

    @Test
    void documentLeftIncompleteByAKilledWriterIsDropped() throws Exception {
        writeGoodThenMarked();
        markIncomplete("TORN-MARKER");
        try (ChronicleJournal j = open()) {
            JournalState s = j.replayed();
            assertTrue(s.messages().containsKey(1L));
            assertFalse(s.messages().containsKey(2L));
            appendAndWait(j, message(3, "after"), new Record.Enqueued("c", 3, 2));
        }
        try (ChronicleJournal j = open()) {
            assertTrue(j.replayed().messages().containsKey(3L));
        }
    }

    /** Damages one byte of the payload holding {@code marker}: the checksum no longer matches. */
    private void flipByteOf(String marker) throws IOException {
        Path file = queueFile();
        long at = find(file, marker);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0xFF);
        }
    }

    /**
     * Sets Chronicle's not-complete bit in the header of the document holding {@code marker}, as a
     * writer killed between writing the header and finishing the document leaves it. The header is the
     * 4-byte little-endian word just before our own document header (magic 0x4F).
     */
    private void markIncomplete(String marker) throws IOException {
        Path file = queueFile();
        long at = find(file, marker);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            long magic = at;
            while (true) {
                f.seek(--magic);
                if (f.read() == 0x4F) {
                    f.seek(magic + 1);
                    int kind = f.read();
                    if (kind >= 1 && kind <= 3) {
                        break;
                    }
                }
            }
            f.seek(magic - 1);
            int top = f.read();
            f.seek(magic - 1);
            f.write(top | 0x80);
        }
    }

    private Path queueFile() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".cq4")).max(Path::compareTo).orElseThrow();
        }
    }

    private static long find(Path file, String marker) throws IOException {
        byte[] all = Files.readAllBytes(file);
        byte[] m = marker.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i <= all.length - m.length; i++) {
            for (int k = 0; k < m.length; k++) {
                if (all[i + k] != m[k]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError(marker + " not found in " + file);
    }
}
