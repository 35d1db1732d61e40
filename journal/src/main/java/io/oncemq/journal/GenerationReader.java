package io.oncemq.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

import static io.oncemq.journal.ChronicleJournal.HEADER;
import static io.oncemq.journal.ChronicleJournal.MAGIC;
import static io.oncemq.journal.ChronicleJournal.PART;
import static io.oncemq.journal.ChronicleJournal.SNAPSHOT;

/** Reads one journal generation: its snapshot, then its batches, up to the first torn or corrupt document. */
final class GenerationReader {

    private static final Logger log = LoggerFactory.getLogger(GenerationReader.class);

    private GenerationReader() {
    }


    /** The generation's state, or null if its snapshot never completed. */
    static JournalState read(Path genDir) {
        JournalState state = new JournalState();
        boolean snapshotSeen = false;
        List<Record> parts = new ArrayList<>();
        long documents = 0;
        long lastIndex = -1;
        long end = -1;
        try (SingleChronicleQueue q = ChronicleJournal.build(genDir); ExcerptTailer tailer = q.createTailer()) {
            Bytes<byte[]> bytes = Bytes.allocateElasticOnHeap(64 * 1024);
            while (true) {
                bytes.clear();
                long index;
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        if (incompleteAt(tailer.currentFile(), end)) {
                            log.warn("journal {}: the document after index {} was left incomplete by a crash; keeping the {} documents before it",
                                    genDir.getFileName(), Long.toHexString(lastIndex), documents);
                        }
                        break;
                    }
                    index = dc.index();
                    lastIndex = index;
                    end = dc.wire().bytes().readLimit();
                    dc.wire().bytes().read(bytes);
                }
                documents++;
                byte[] raw = bytes.underlyingObject();
                int length = (int) bytes.readRemaining();
                byte kind;
                try {
                    kind = check(raw, (int) bytes.readPosition(), length);
                    parts.addAll(RecordCodec.decode(raw, (int) bytes.readPosition() + HEADER, length - HEADER));
                } catch (CorruptRecordException e) {
                    log.warn("journal {}: document {} (index {}) is torn or corrupt ({}); keeping the {} documents before it",
                            genDir.getFileName(), documents, Long.toHexString(index), e.getMessage(), documents - 1);
                    break;
                }
                if (kind == PART) {
                    continue;
                }
                if (kind == SNAPSHOT) {
                    snapshotSeen = true;
                }
                parts.forEach(state::apply);
                state.endOfBatch();
                parts.clear();
            }
        }
        return snapshotSeen ? state : null;
    }

    /** Whether the 4-byte-aligned Chronicle header at {@code position} says "not complete" (a writer died mid-document). */
    private static boolean incompleteAt(java.io.File file, long position) {
        if (file == null || position < 0) {
            return false;
        }
        long aligned = (position + 3) & ~3L;
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file, "r")) {
            if (aligned + 4 > f.length()) {
                return false;
            }
            f.seek(aligned);
            int header = Integer.reverseBytes(f.readInt());
            return header < 0 && (header & 0x3FFFFFFF) != 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static byte check(byte[] raw, int offset, int length) {
        if (length < HEADER || raw[offset] != MAGIC) {
            throw new CorruptRecordException("bad header");
        }
        byte kind = raw[offset + 1];
        int payload = readInt(raw, offset + 2);
        int expected = readInt(raw, offset + 6);
        if (kind < PART || kind > SNAPSHOT || payload != length - HEADER) {
            throw new CorruptRecordException("bad kind or length: kind " + kind + ", payload " + payload + ", document " + length);
        }
        CRC32 c = new CRC32();
        c.update(raw, offset + HEADER, payload);
        if ((int) c.getValue() != expected) {
            throw new CorruptRecordException("checksum mismatch");
        }
        return kind;
    }

    /** Chronicle Bytes writes ints little-endian. */
    private static int readInt(byte[] b, int i) {
        return (b[i + 3] & 0xFF) << 24 | (b[i + 2] & 0xFF) << 16 | (b[i + 1] & 0xFF) << 8 | (b[i] & 0xFF);
    }
}
