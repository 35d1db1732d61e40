package io.oncemq.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

import static io.oncemq.journal.ChronicleJournal.HEADER;
import static io.oncemq.journal.ChronicleJournal.MAGIC;
import static io.oncemq.journal.ChronicleJournal.MAGIC_V1;
import static io.oncemq.journal.ChronicleJournal.HEADER_V1;
import static io.oncemq.journal.ChronicleJournal.MAX_READ;
import static io.oncemq.journal.ChronicleJournal.PART;
import static io.oncemq.journal.ChronicleJournal.SNAPSHOT;

/** Reads one journal generation: its snapshot, then its batches, up to the first torn or corrupt document. */
final class GenerationReader {

    private static final Logger log = LoggerFactory.getLogger(GenerationReader.class);

    private GenerationReader() {
    }

    /** The generation's state, or null if its snapshot never completed or Chronicle cannot open its files. */
    static JournalState read(Path genDir) {
        try {
            return readQueue(genDir);
        } catch (RuntimeException e) {
            // a crash while compaction created the folder can leave Chronicle's own files half-written
            log.warn("journal {}: cannot be read ({})", genDir.getFileName(), e.toString());
            return null;
        }
    }

    private static JournalState readQueue(Path genDir) {
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
                long index = -1;
                Header header;
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        if (incompleteAt(tailer.currentFile(), end)) {
                            log.warn("journal {}: the document after index {} was left incomplete by a crash; keeping the {} documents before it",
                                    genDir.getFileName(), Long.toHexString(lastIndex), documents);
                        }
                        break;
                    }
                    index = dc.index();
                    Bytes<?> in = dc.wire().bytes();
                    // check our header before copying: a damaged Chronicle length can claim a gigabyte of zeros
                    header = checkHeader(in, in.readPosition(), in.readRemaining());
                    end = in.readLimit();
                    in.read(bytes);
                } catch (CorruptRecordException e) {
                    warnCorrupt(genDir, documents + 1, index, e.getMessage(), documents);
                    break;
                } catch (RuntimeException e) {
                    // Chronicle itself could not read on (a damaged header or index): the same as a torn tail
                    warnCorrupt(genDir, documents + 1, index, e.toString(), documents);
                    break;
                }
                lastIndex = index;
                documents++;
                byte[] raw = bytes.underlyingObject();
                int at = (int) bytes.readPosition();
                int length = (int) bytes.readRemaining();
                byte kind = raw[at + 1];
                try {
                    checkCrc(raw, at, length, header.length());
                    List<Record> decoded = RecordCodec.decode(raw, at + header.length(), length - header.length());
                    if (header.count() >= 0 && decoded.size() != header.count()) {
                        throw new CorruptRecordException("record count " + decoded.size() + ", header says " + header.count());
                    }
                    parts.addAll(decoded);
                } catch (CorruptRecordException e) {
                    warnCorrupt(genDir, documents, index, e.getMessage(), documents - 1);
                    break;
                }
                if (kind == PART) {
                    continue; // a batch is applied whole or not at all
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

    private static void warnCorrupt(Path genDir, long document, long index, String reason, long kept) {
        log.warn("journal {}: document {} (index {}) is torn or corrupt ({}); keeping the {} documents before it",
                genDir.getFileName(), document, Long.toHexString(index), reason, kept);
    }

    /** Whether the 4-byte-aligned Chronicle header at {@code position} says "not complete" (a writer died mid-document). */
    private static boolean incompleteAt(File file, long position) {
        if (file == null || position < 0) {
            return false;
        }
        long aligned = (position + 3) & ~3L;
        try (RandomAccessFile f = new RandomAccessFile(file, "r")) {
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

    /** Our document header: its length, and the record count it states (-1 in the first format, which had none). */
    private record Header(int length, int count) {
    }

    /** Checks magic, kind and payload length of a document in place, before anything is copied. */
    private static Header checkHeader(Bytes<?> in, long offset, long length) {
        byte magic = length < HEADER_V1 ? 0 : in.readByte(offset);
        if ((magic != MAGIC && magic != MAGIC_V1) || length > MAX_READ) {
            throw new CorruptRecordException("bad header, document of " + length + " bytes");
        }
        Header h = magic == MAGIC
                ? new Header(HEADER, length < HEADER ? -1 : in.readInt(offset + 2))
                : new Header(HEADER_V1, -1);
        byte kind = in.readByte(offset + 1);
        long payload = length < h.length() ? -1 : in.readInt(offset + h.length() - 8);
        if (kind < PART || kind > SNAPSHOT || (magic == MAGIC && h.count() < 0) || payload != length - h.length()) {
            throw new CorruptRecordException("bad kind or length: kind " + kind + ", payload " + payload + ", document " + length);
        }
        return h;
    }

    private static void checkCrc(byte[] raw, int offset, int length, int headerLength) {
        CRC32 c = new CRC32();
        c.update(raw, offset + headerLength, length - headerLength);
        if ((int) c.getValue() != readInt(raw, offset + headerLength - 4)) {
            throw new CorruptRecordException("checksum mismatch");
        }
    }

    /** Chronicle Bytes writes ints little-endian. */
    private static int readInt(byte[] b, int i) {
        return (b[i + 3] & 0xFF) << 24 | (b[i + 2] & 0xFF) << 16 | (b[i + 1] & 0xFF) << 8 | (b[i] & 0xFF);
    }
}
