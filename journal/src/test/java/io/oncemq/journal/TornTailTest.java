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

    @Test
    void documentWithADamagedChronicleLengthIsDroppedAndTheNodeStarts() throws Exception {
        writeGoodThenMarked();
        setChronicleHeader("TORN-MARKER", 0x3FFF_FFF0); // a length far past the end of the file
        try (ChronicleJournal j = open()) {
            assertTrue(j.replayed().messages().containsKey(1L), "the good prefix is kept");
            assertFalse(j.replayed().messages().containsKey(2L));
            appendAndWait(j, message(3, "after"), new Record.Enqueued("c", 3, 2));
        }
        try (ChronicleJournal j = open()) {
            assertEquals(java.util.List.of(1L, 3L), new java.util.ArrayList<>(j.replayed().sessions().get("c").queue().keySet()));
        }
    }

    @Test
    void documentCutShortIsDroppedAndTheNodeStarts() throws Exception {
        writeGoodThenMarked();
        setChronicleHeader("TORN-MARKER", 6); // a length that ends inside our own header
        try (ChronicleJournal j = open()) {
            assertTrue(j.replayed().messages().containsKey(1L));
            assertFalse(j.replayed().messages().containsKey(2L));
        }
    }

    @Test
    void aGenerationLeftHalfMadeByACrashDuringCompactionIsDiscarded() throws Exception {
        writeGoodThenMarked();
        int newest;
        try (ChronicleJournal j = open()) {
            newest = j.generation();
        }
        // what a kill -9 while compaction writes the next generation's snapshot leaves: its folder under a
        // temporary name (renamed only once the snapshot is synced), Chronicle's files half-written inside
        Path half = dir.resolve(String.format("gen-%06d", newest + 1) + GenerationFolders.UNFINISHED);
        Files.createDirectories(half);
        Files.write(half.resolve("metadata.cq4t"), new byte[]{1, 2, 3, 4, 5, 6, 7, 8});
        Files.write(half.resolve("20260101L.cq4"), new byte[4096]);
        try (ChronicleJournal j = open()) {
            assertEquals(java.util.List.of(1L, 2L), new java.util.ArrayList<>(j.replayed().sessions().get("c").queue().keySet()));
            assertFalse(Files.exists(half), "the unfinished snapshot is deleted");
            appendAndWait(j, message(3, "after"), new Record.Enqueued("c", 3, 2));
        }
        try (ChronicleJournal j = open()) {
            assertEquals(java.util.List.of(1L, 2L, 3L), new java.util.ArrayList<>(j.replayed().sessions().get("c").queue().keySet()));
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
     * 4-byte little-endian word just before our own document header (ChronicleJournal.MAGIC).
     */
    private void markIncomplete(String marker) throws IOException {
        Path file = queueFile();
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            long magic = ourHeader(f, find(file, marker));
            f.seek(magic - 1);
            int top = f.read();
            f.seek(magic - 1);
            f.write(top | 0x80);
        }
    }

    /** Overwrites the 4-byte little-endian Chronicle header of the document holding {@code marker}. */
    private void setChronicleHeader(String marker, int header) throws IOException {
        Path file = queueFile();
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(ourHeader(f, find(file, marker)) - 4);
            f.writeInt(Integer.reverseBytes(header));
        }
    }

    /** The offset of our document header (ChronicleJournal.MAGIC, then a kind 1-3) before {@code at}. */
    private static long ourHeader(RandomAccessFile f, long at) throws IOException {
        long magic = at;
        while (true) {
            f.seek(--magic);
            if (f.read() == ChronicleJournal.MAGIC) {
                f.seek(magic + 1);
                int kind = f.read();
                if (kind >= 1 && kind <= 3) {
                    return magic;
                }
            }
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
