package io.oncemq.journal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The binary form of records: a version byte, then per record a type byte and its fields (big-endian
 * numbers, length-prefixed UTF-8 strings and byte arrays). Hand-written: no reflection, no Java serialization.
 * An instance reuses its buffer and belongs to one thread.
 */
public final class RecordCodec {

    public static final byte VERSION = 1;

    private static final byte SESSION_OPENED = 1;
    private static final byte SESSION_ENDED = 2;
    private static final byte SUBSCRIBED = 3;
    private static final byte UNSUBSCRIBED = 4;
    private static final byte MESSAGE_STORED = 5;
    private static final byte ENQUEUED = 6;
    private static final byte DEQUEUED = 7;
    private static final byte SENT = 8;
    private static final byte PUBREC_RECEIVED = 9;
    private static final byte COMPLETED = 10;
    private static final byte RECEIPT_HELD = 11;
    private static final byte ROUTED = 12;
    private static final byte RECEIPT_RELEASED = 13;
    private static final byte RETAINED_SET = 14;
    private static final byte RETAINED_CLEARED = 15;
    private static final byte MESSAGE_ID_FLOOR = 16;
    private static final byte WILL_STORED = 17;
    private static final byte WILL_CLEARED = 18;
    private static final byte FORWARD_ACCEPTED = 19;
    private static final byte SESSION_EPOCH = 20;

    private byte[] buf = new byte[4096];
    private int len;

    /** Encodes the records; the result is valid until the next call ({@link #buffer()}, {@link #length()}). */
    public void encode(List<Record> records) {
        begin();
        for (Record r : records) {
            add(r);
        }
    }

    /** Starts a new encoded group of records. */
    public void begin() {
        len = 0;
        writeByte(VERSION);
    }

    /** Appends one record to the current group. */
    public void add(Record r) {
        write(r);
    }

    public byte[] buffer() {
        return buf;
    }

    public int length() {
        return len;
    }

    /** Encodes to a fresh array (tests, snapshots). */
    public byte[] toBytes(List<Record> records) {
        encode(records);
        return Arrays.copyOf(buf, len);
    }

    private void write(Record r) {
        if (r instanceof Record.SessionOpened o) {
            writeByte(SESSION_OPENED);
            writeString(o.clientId());
            writeLong(o.expirySeconds());
        } else if (r instanceof Record.SessionEnded e) {
            writeByte(SESSION_ENDED);
            writeString(e.clientId());
        } else if (r instanceof Record.Subscribed s) {
            writeByte(SUBSCRIBED);
            writeString(s.clientId());
            writeString(s.filter());
            writeInt(s.options());
            writeInt(s.identifier());
        } else if (r instanceof Record.Unsubscribed u) {
            writeByte(UNSUBSCRIBED);
            writeString(u.clientId());
            writeString(u.filter());
        } else if (r instanceof Record.MessageStored m) {
            writeByte(MESSAGE_STORED);
            writeLong(m.messageId());
            writeString(m.topic());
            writeByte((byte) m.qos());
            writeByte((byte) (m.retain() ? 1 : 0));
            writeBytes(m.payload());
            writeBytes(m.properties());
        } else if (r instanceof Record.Enqueued q) {
            writeByte(ENQUEUED);
            writeString(q.clientId());
            writeLong(q.messageId());
            writeInt(q.qos());
        } else if (r instanceof Record.Dequeued d) {
            writeByte(DEQUEUED);
            writeString(d.clientId());
            writeLong(d.messageId());
        } else if (r instanceof Record.Sent s) {
            writeByte(SENT);
            writeString(s.clientId());
            writeInt(s.packetId());
            writeLong(s.messageId());
        } else if (r instanceof Record.PubrecReceived p) {
            writeByte(PUBREC_RECEIVED);
            writeString(p.clientId());
            writeInt(p.packetId());
        } else if (r instanceof Record.Completed c) {
            writeByte(COMPLETED);
            writeString(c.clientId());
            writeInt(c.packetId());
        } else if (r instanceof Record.ReceiptHeld h) {
            writeByte(RECEIPT_HELD);
            writeString(h.clientId());
            writeInt(h.packetId());
            writeLong(h.messageId());
        } else if (r instanceof Record.Routed ro) {
            writeByte(ROUTED);
            writeLong(ro.messageId());
        } else if (r instanceof Record.ReceiptReleased rel) {
            writeByte(RECEIPT_RELEASED);
            writeString(rel.clientId());
            writeInt(rel.packetId());
        } else if (r instanceof Record.RetainedSet set) {
            writeByte(RETAINED_SET);
            writeString(set.topic());
            writeLong(set.messageId());
        } else if (r instanceof Record.RetainedCleared c) {
            writeByte(RETAINED_CLEARED);
            writeString(c.topic());
        } else if (r instanceof Record.MessageIdFloor f) {
            writeByte(MESSAGE_ID_FLOOR);
            writeLong(f.messageId());
        } else if (r instanceof Record.WillStored w) {
            writeByte(WILL_STORED);
            writeString(w.clientId());
            writeString(w.topic());
            writeByte((byte) w.qos());
            writeByte((byte) (w.retain() ? 1 : 0));
            writeBytes(w.payload());
            writeBytes(w.properties());
            writeLong(w.delaySeconds());
        } else if (r instanceof Record.WillCleared w) {
            writeByte(WILL_CLEARED);
            writeString(w.clientId());
        } else if (r instanceof Record.ForwardAccepted f) {
            writeByte(FORWARD_ACCEPTED);
            writeString(f.origin());
            writeLong(f.originId());
            writeLong(f.messageId());
        } else if (r instanceof Record.SessionEpoch e) {
            writeByte(SESSION_EPOCH);
            writeString(e.clientId());
            writeLong(e.epoch());
        } else {
            throw new IllegalArgumentException("no codec for " + r.getClass());
        }
    }

    /** Decodes what {@link #encode} wrote; a malformed or unknown input is a {@link CorruptRecordException}. */
    public static List<Record> decode(byte[] data, int offset, int length) {
        Reader in = new Reader(data, offset, offset + length);
        int version = in.readByte();
        if (version != VERSION) {
            throw new CorruptRecordException("unknown record format version " + version);
        }
        List<Record> out = new ArrayList<>();
        while (in.pos < in.end) {
            out.add(read(in));
        }
        return out;
    }

    private static Record read(Reader in) {
        int type = in.readByte();
        return switch (type) {
            case SESSION_OPENED -> new Record.SessionOpened(in.readString(), in.readLong());
            case SESSION_ENDED -> new Record.SessionEnded(in.readString());
            case SUBSCRIBED -> new Record.Subscribed(in.readString(), in.readString(), in.readInt(), in.readInt());
            case UNSUBSCRIBED -> new Record.Unsubscribed(in.readString(), in.readString());
            case MESSAGE_STORED -> new Record.MessageStored(in.readLong(), in.readString(), in.readByte(),
                    in.readByte() != 0, in.readBytes(), in.readBytes());
            case ENQUEUED -> new Record.Enqueued(in.readString(), in.readLong(), in.readInt());
            case DEQUEUED -> new Record.Dequeued(in.readString(), in.readLong());
            case SENT -> new Record.Sent(in.readString(), in.readInt(), in.readLong());
            case PUBREC_RECEIVED -> new Record.PubrecReceived(in.readString(), in.readInt());
            case COMPLETED -> new Record.Completed(in.readString(), in.readInt());
            case RECEIPT_HELD -> new Record.ReceiptHeld(in.readString(), in.readInt(), in.readLong());
            case ROUTED -> new Record.Routed(in.readLong());
            case RECEIPT_RELEASED -> new Record.ReceiptReleased(in.readString(), in.readInt());
            case RETAINED_SET -> new Record.RetainedSet(in.readString(), in.readLong());
            case RETAINED_CLEARED -> new Record.RetainedCleared(in.readString());
            case MESSAGE_ID_FLOOR -> new Record.MessageIdFloor(in.readLong());
            case WILL_STORED -> new Record.WillStored(in.readString(), in.readString(), in.readByte(), in.readByte() != 0,
                    in.readBytes(), in.readBytes(), in.readLong());
            case WILL_CLEARED -> new Record.WillCleared(in.readString());
            case FORWARD_ACCEPTED -> new Record.ForwardAccepted(in.readString(), in.readLong(), in.readLong());
            case SESSION_EPOCH -> new Record.SessionEpoch(in.readString(), in.readLong());
            default -> throw new CorruptRecordException("unknown record type " + type);
        };
    }

    private void ensure(int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
    }

    private void writeByte(byte b) {
        ensure(1);
        buf[len++] = b;
    }

    private void writeInt(int v) {
        ensure(4);
        buf[len++] = (byte) (v >>> 24);
        buf[len++] = (byte) (v >>> 16);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
    }

    private void writeLong(long v) {
        writeInt((int) (v >>> 32));
        writeInt((int) v);
    }

    private void writeBytes(byte[] b) {
        writeInt(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    private void writeString(String s) {
        writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Bounds-checked reads over one encoded batch. */
    private static final class Reader {
        final byte[] data;
        int pos;
        final int end;

        Reader(byte[] data, int pos, int end) {
            this.data = data;
            this.pos = pos;
            this.end = end;
        }

        private void need(int n) {
            if (n < 0 || pos + n > end) {
                throw new CorruptRecordException("record runs past the end of its batch");
            }
        }

        byte readByte() {
            need(1);
            return data[pos++];
        }

        int readInt() {
            need(4);
            int v = (data[pos] & 0xFF) << 24 | (data[pos + 1] & 0xFF) << 16 | (data[pos + 2] & 0xFF) << 8 | (data[pos + 3] & 0xFF);
            pos += 4;
            return v;
        }

        long readLong() {
            return ((long) readInt() << 32) | (readInt() & 0xFFFFFFFFL);
        }

        byte[] readBytes() {
            int n = readInt();
            need(n);
            byte[] b = Arrays.copyOfRange(data, pos, pos + n);
            pos += n;
            return b;
        }

        String readString() {
            int n = readInt();
            need(n);
            String s = new String(data, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }
    }
}
